/* The header's search box, shown in place of its A to Z link when JavaScript runs. The site's
   policy lets no form submit (form-action 'none'), so the box opens the search page itself;
   the search code loads there, never here. */
(function () {
  "use strict";
  var form = document.querySelector("[data-search-box]");
  var fallback = document.querySelector("[data-search-fallback]");
  if (!form || !fallback) return;
  fallback.hidden = true;
  form.hidden = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = form.elements.q.value.trim();
    var page = form.action + (window.location.protocol === "file:" ? "index.html" : "");
    window.location.href = page + (query ? "?q=" + encodeURIComponent(query) : "");
  });
})();
