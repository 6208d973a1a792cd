/* The search page: Pagefind's own search API (pagefind/pagefind.js, made by the build from the
   condition pages) answers; each result shows its page's title and summary. A status region
   tells screen-reader users what was found. No HTML is built from strings: text only. */
(function () {
  "use strict";
  var form = document.querySelector("[data-search-form]");
  if (!form) return;
  var input = form.elements.q;
  var status = document.querySelector("[data-search-status]");
  var list = document.querySelector("[data-search-results]");
  var root = new URL(form.getAttribute("data-root") || "./", document.baseURI);
  var pagefind = null;
  var latest = 0;
  var timer = 0;
  var SHOWN = 10;   // results shown at once: each one's summary is a small download

  form.hidden = false;
  document.querySelector("[data-search-nojs]").hidden = true;

  function engine() {
    if (!pagefind) {
      pagefind = import(new URL("pagefind/pagefind.js", root).href).then(function (pf) {
        return pf.options({ baseUrl: root.pathname }).then(function () { return pf; });
      });
    }
    return pagefind;
  }

  function item(data) {
    var li = document.createElement("li");
    li.className = "search-result";
    var heading = document.createElement("h2");
    heading.className = "search-result__title";
    var link = document.createElement("a");
    link.href = data.url;
    link.textContent = data.meta.title || data.url;
    heading.appendChild(link);
    li.appendChild(heading);
    if (data.meta.summary) {
      var summary = document.createElement("p");
      summary.textContent = data.meta.summary;
      li.appendChild(summary);
    }
    return li;
  }

  // The words are the page's own, in its language: data-text-* attributes of the form, with
  // %(name)s where a value goes (templates/search.html).
  function text(name, values) {
    return form.getAttribute("data-text-" + name).replace(/%\((\w+)\)s/g, function (all, key) {
      return String(values[key]);
    });
  }

  function said(count, query) {
    if (!count) return text("none", { query: query });
    var lang = document.documentElement.lang;   // numbers as the page's language writes them
    var found = text(count === 1 ? "one" : "other", { count: count.toLocaleString(lang), query: query });
    return count > SHOWN ? text("more", { found: found, shown: SHOWN.toLocaleString(lang) }) : found;
  }

  async function run(query) {
    var mine = ++latest;
    if (!query) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    if (!pagefind) status.textContent = text("searching", {});   // the first search loads the index
    var pf = await engine();
    var found = await pf.search(query);
    var data = await Promise.all(found.results.slice(0, SHOWN).map(function (r) { return r.data(); }));
    if (mine !== latest) return;   // a newer search has started: its answer is the one to show
    list.replaceChildren.apply(list, data.map(item));
    status.textContent = said(found.results.length, query);
  }

  function search() {
    var query = input.value.trim();
    var url = new URL(window.location.href);
    if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
    window.history.replaceState(null, "", url.href);
    run(query).catch(function () {
      status.textContent = text("failed", {});
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    search();
  });
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 400);
  });
  input.value = new URLSearchParams(window.location.search).get("q") || "";
  if (input.value.trim()) search();
})();
