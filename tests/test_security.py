"""Nothing injected: content writes text, not code.

- Raw HTML in Markdown goes through the nh3 allow-list: scripts, event handlers, javascript:
  and data: URLs, frames, styles and forms never reach a page, and build and check name each
  removal with its file and line.
- Jinja autoescapes every template, so text fields cannot add markup either.
- The pages need no inline script or style, so the strict Content-Security-Policy in `_headers`
  (and its <meta> fallback) holds: Chromium loads every page under it with no violation.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import functools
import http.server
import re
import threading
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from contentkit import copy_content, render_library
from healthlib.publish import headers
from healthlib.text import markup
from healthlib.pipeline import Project, load
from healthlib.publish.render import make_env
from sitecopy import COMMANDS, REPO_ROOT, add_lines, build_cmd, first_condition, run_cli

# Each dangerous snippet and the words the report uses for what was removed.
DANGEROUS = [
    ("<script>alert(1)</script>", "<script>"),
    ('<img src="x" onerror="alert(1)">', "<img>"),
    ('<a href="https://example.org/" onclick="alert(1)">a link</a>', "the 'onclick' attribute of <a>"),
    ('<p onmouseover="alert(1)">hover</p>', "the 'onmouseover' attribute of <p>"),
    ("[a link](javascript:alert(1))", "a 'javascript:' link"),
    ('<a href="JaVa&#x09;Script:alert(1)">a link</a>', "a 'javascript:' link"),
    ('<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">a link</a>', "a 'data:' link"),
    ('<iframe src="https://example.org/"></iframe>', "<iframe>"),
    ("<style>body { display: none }</style>", "<style>"),
    ('<span style="color: red">red</span>', "the 'style' attribute of <span>"),
    ('<form action="https://example.org/"><input name="q"></form>', "<form>"),
    ('<svg onload="alert(1)"></svg>', "<svg>"),
    ('<object data="x.swf"></object>', "<object>"),
]

SEARCH_URL = "/search/"   # the one page that runs search (render.SEARCH_PAGE), and each language's
SEARCH_PAGES = re.compile(r"^/(?:[A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*/)?search/$")   # /es/search/ too


# Elements content may not add. A whole page may hold what its templates put there, except style.
NOT_IN_CONTENT = ("iframe", "frame", "object", "embed", "style", "form", "svg", "math", "base", "link", "meta")


def assert_inert(html: str, where: str, forbidden: tuple[str, ...] = NOT_IN_CONTENT) -> None:
    """No element, attribute or URL in `html` that runs code, styles the page or sends data."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        if tag.name == "script":
            assert tag.get("src") or tag.get("type") == "application/ld+json", f"{where}: inline {tag}"
        assert tag.name not in forbidden, f"{where}: {tag}"
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on") and name.lower() != "style", f"{where}: {name}= on {tag.name}"
            if name in ("href", "src", "action", "formaction", "data", "srcset"):
                scheme = markup._scheme(value if isinstance(value, str) else " ".join(value))  # noqa: SLF001
                assert scheme in (None, *markup.URL_SCHEMES), f"{where}: {name}={value!r}"


PAGE_FORBIDDEN = ("style",)


# ---------------------------------------------------------------- the sanitizer


@pytest.mark.parametrize("snippet", [s for s, _ in DANGEROUS], ids=[w for _, w in DANGEROUS])
def test_dangerous_html_is_removed_by_the_sanitizer(snippet: str):
    html, removed = markup.render_block(f"Some text.\n\n{snippet}\n")
    assert_inert(html, snippet)
    assert removed, f"{snippet} was changed but not reported"


FRAGMENTS = [s for s, _ in DANGEROUS] + ["<", ">", '"', "'", "=", " ", "\n", "\t", "&#x09;", "&lt;", "javascript:",
                                           "data:", "<a href=", "<p ", "on", "error", "alert(1)", "</", "/>", "`",
                                           "[x](", ")", "<!--", "-->", "<![CDATA[", "]]>", "**", "\\"]


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=14).map("".join))
def test_any_mix_of_html_and_markdown_comes_out_inert(source: str):
    assert_inert(str(markup.render_block(source)[0]), repr(source))


def test_every_removal_is_reported_at_its_own_line(tmp_path: Path):
    """One section with every dangerous snippet on its own line: build and check both name each
    one with that line, and refuse the content."""
    content = copy_content(tmp_path)
    path = first_condition(content) / "what-it-is.md"
    lines = [(what, add_lines(path, f"\nSome text, then {snippet} and more text.\n") + 1) for snippet, what in DANGEROUS]
    for command in COMMANDS:
        args = build_cmd(content, tmp_path / "site") if command == "build" else ["check", "--content", str(content)]
        result = run_cli(*args)
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
        for what, line in lines:
            assert f"{path}:{line}: {what} is not allowed" in result.stderr, (command, what, result.stderr)
        assert not (tmp_path / "site").exists()


def test_sanitized_html_in_a_page_stays_inert(tmp_path: Path):
    """The whole page, rendered with a section body made of every dangerous snippet."""
    project = Project.at(REPO_ROOT)
    library, _ = load(project)
    html = markup.render_block("\n\n".join(s for s, _ in DANGEROUS))[0]
    condition = library.conditions[0]
    section = dataclasses.replace(condition.sections[0], body=dataclasses.replace(condition.sections[0].body, html=html))
    condition = dataclasses.replace(condition, sections=(section, *condition.sections[1:]))
    library = dataclasses.replace(library, conditions=(condition, *library.conditions[1:]))
    pages = render_library(library, project.templates, project.static)
    page = pages[f"{condition.slug}/index.html"].decode()
    assert "a link" in page and "hover" in page        # the text stays, the code goes
    assert_inert(page, "condition page", PAGE_FORBIDDEN)


# ---------------------------------------------------------------- autoescaping


def test_every_template_is_autoescaped():
    env = make_env(REPO_ROOT / "templates")
    names = env.list_templates(extensions=["html"])
    assert names
    for name in names:
        assert env.autoescape is True or env.autoescape(name), name
        source = (REPO_ROOT / "templates" / name).read_text(encoding="utf-8")
        assert not re.search(r"autoescape\s+false", source), name
        assert not re.search(r"\|\s*safe\b", source), f"{name}: content HTML is already Markup; never mark text safe"


HOSTILE = '<script>alert(1)</script>" onmouseover="alert(2)'


def test_markup_in_plain_text_fields_is_shown_as_text(tmp_path: Path):
    """Titles, summaries, key points, FAQ questions and sources are plain text: autoescaped."""
    content = copy_content(tmp_path)
    folder = first_condition(content)
    quoted = HOSTILE.replace("'", "''")
    for file, key in [("condition.yaml", "title:"), ("condition.yaml", "summary:"), ("condition.yaml", "  - "),
                      ("condition.yaml", "    publisher:"), ("faq.yaml", "- question:"), ("symptoms.md", "title:")]:
        path = folder / file
        text = path.read_text(encoding="utf-8").split("\n")
        i = next(n for n, line in enumerate(text) if line.startswith(key))
        text[i] = f"{key} '{quoted}'"
        while file == "condition.yaml" and key == "summary:" and text[i + 1].startswith("  ") and not text[i + 1].startswith("  -"):
            del text[i + 1]
        path.write_text("\n".join(text), encoding="utf-8")
    project = Project.at(REPO_ROOT, content)
    library, _ = load(project)
    pages = render_library(library, project.templates, project.static)
    page = pages[f"{folder.name}/index.html"].decode()
    assert_inert(page, "condition page", PAGE_FORBIDDEN)
    text = BeautifulSoup(page, "html.parser").get_text()
    assert text.count(HOSTILE) >= 4, "the plain text was not shown as typed"


# ---------------------------------------------------------------- the built pages and headers


def test_pages_need_no_inline_script_or_style(built_site: Path, site_pages):
    for url in site_pages:
        path = built_site / (url.lstrip("/") + ("index.html" if url.endswith("/") else ""))
        page = path.read_text(encoding="utf-8")
        assert_inert(page, url, PAGE_FORBIDDEN)
        meta = BeautifulSoup(page, "html.parser").find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        # Only the search page may compile WebAssembly (Pagefind's); every other page is as strict as ever.
        wanted = headers.SEARCH_META_POLICY if SEARCH_PAGES.match(url) else headers.META_POLICY
        assert meta is not None and meta["content"] == wanted, url
        assert "frame-ancestors" not in meta["content"]   # ignored (with a console error) in <meta>
    assert SEARCH_URL in site_pages


def test_only_the_search_policy_allows_webassembly():
    assert "'wasm-unsafe-eval'" not in headers.META_POLICY
    assert headers.SEARCH_META_POLICY == headers.META_POLICY + "; script-src 'self' 'wasm-unsafe-eval'"


def parse_headers_file(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """`_headers` as Netlify and Cloudflare Pages read it: a path pattern, then indented headers;
    '! Name' (Cloudflare Pages) detaches a header an earlier rule attached, kept as ('!', name)."""
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), []))
        elif line.strip().startswith("!"):
            assert rules, f"bad _headers line: {line!r}"
            rules[-1][1].append(("!", line.strip()[1:].strip()))
        else:
            name, _, value = line.strip().partition(":")
            assert rules and value, f"bad _headers line: {line!r}"
            rules[-1][1].append((name.strip(), value.strip()))
    return rules


def headers_for(rules, path: str) -> list[tuple[str, str]]:
    """The headers a host sends for `path`: every matching rule's, in order; a detached header is
    dropped from what the rules before it attached."""
    sent: list[tuple[str, str]] = []
    for pattern, pairs in rules:
        if fnmatch.fnmatch(path, pattern):
            for name, value in pairs:
                if name == "!":
                    sent = [(n, v) for n, v in sent if n.lower() != value.lower()]
                else:
                    sent.append((name, value))
    return sent


def test_headers_file_has_the_strict_policy_and_the_usual_headers(built_site: Path):
    rules = dict(parse_headers_file((built_site / "_headers").read_text(encoding="utf-8")))
    every = dict(rules["/*"])
    policy = [d.strip() for d in every["Content-Security-Policy"].split(";")]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert not any("unsafe" in d or "*" in d.split()[1:] for d in policy), policy
    assert every["X-Content-Type-Options"] == "nosniff"
    assert every["X-Frame-Options"] == "DENY"
    assert {"Referrer-Policy", "Permissions-Policy"} <= set(every)
    assert "immutable" in dict(rules["/assets/*"])["Cache-Control"]


def test_headers_file_gives_only_the_search_paths_the_webassembly_policy(built_site: Path):
    rules = parse_headers_file((built_site / "_headers").read_text(encoding="utf-8"))
    for path in ("/", "/calciphylaxis/", "/calciphylaxis/appointment-prep/", "/404.html", "/assets/site.css",
                 "/es/", "/es/calciphylaxis/", "/es/404.html"):
        policies = [v for n, v in headers_for(rules, path) if n == "Content-Security-Policy"]
        assert len(policies) == 1 and "wasm" not in policies[0], (path, policies)
    for path in (SEARCH_URL, "/es/search/", "/pagefind/pagefind.js", "/pagefind/pagefind-worker.js"):
        policies = [v for n, v in headers_for(rules, path) if n == "Content-Security-Policy"]
        assert len(policies) == 1, (path, policies)   # two would both be enforced: the strict one wins
        assert policies[0] == "; ".join(headers.SEARCH_POLICY + headers.HEADER_ONLY_POLICY), path


class _HeadersHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site and sends the headers its `_headers` file gives each path, like Netlify."""

    rules: list = []

    def end_headers(self):
        for name, value in headers_for(self.rules, self.path.split("?")[0]):
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture(scope="module")
def headers_server(built_site: Path):
    rules = parse_headers_file((built_site / "_headers").read_text(encoding="utf-8"))
    with _serving(built_site, rules) as url:
        yield url


@contextlib.contextmanager
def _serving(built_site: Path, rules):
    handler = type("Handler", (_HeadersHandler,), {"rules": rules})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(built_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# Registered before any page script runs (by DevTools, so the page's own policy cannot block it).
_LISTEN = """window.__violations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || '(inline)')));"""


def _violations(browser, url: str, then: str | None = None) -> tuple[list[str], dict]:
    """CSP violation events and console errors while `url` loads (and `then` runs in it)."""
    console: list[str] = []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(_LISTEN)
        page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
        response = page.goto(url, wait_until="load")
        if then:
            page.evaluate(then)
            page.wait_for_timeout(100)
        found = page.evaluate("() => window.__violations") + [c for c in console if "Content Security Policy" in c]
        return found, (response.headers if response else {})
    finally:
        context.close()


@pytest.mark.browser
def test_page_raises_no_csp_violation_in_chromium(browser, headers_server, page_path):
    found, sent = _violations(browser, headers_server + page_path)
    assert "default-src 'self'" in sent.get("content-security-policy", ""), "the _headers policy was not applied"
    assert ("wasm-unsafe-eval" in sent["content-security-policy"]) == bool(SEARCH_PAGES.match(page_path)), page_path
    assert found == [], f"{page_path}: {found}"


_SEARCHED = """async () => {
    const deadline = Date.now() + 15000;
    while (!document.querySelector('.search-result a') && Date.now() < deadline)
        await new Promise(r => setTimeout(r, 100));
    return [document.querySelector('[data-search-status]').textContent,
            [...document.querySelectorAll('.search-result a')].map(a => a.getAttribute('href'))];
}"""


def _search(browser, url: str) -> tuple[list[str], str, list[str]]:
    """Violations, the status text and the result links of a search at `url` (search/?q=...)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(_LISTEN)
        page.goto(url, wait_until="load")
        status, links = page.evaluate(_SEARCHED)
        return page.evaluate("() => window.__violations"), status, links
    finally:
        context.close()


@pytest.mark.browser
def test_search_works_under_the_headers_policy(browser, headers_server):
    found, status, links = _search(browser, headers_server + SEARCH_URL + "?q=calciphylaxis")
    assert found == [] and links and links[0].endswith("/calciphylaxis/"), (found, status, links)


@pytest.mark.browser
def test_search_is_blocked_by_the_strict_policy(browser, built_site: Path):
    """The search rules are what let it work: with the strict policy alone the index's WebAssembly
    is refused (in Pagefind's worker, whose refusals the page hears of only as a failed search),
    so the test above can fail."""
    rules = [rule for rule in parse_headers_file((built_site / "_headers").read_text(encoding="utf-8"))
             if rule[0] not in headers.SEARCH_PATHS]
    with _serving(built_site, rules) as url:
        found, status, links = _search(browser, url + SEARCH_URL + "?q=calciphylaxis")
    assert links == [] and "not working" in status, (found, status)


@pytest.mark.browser
def test_csp_violations_would_be_seen(browser, headers_server):
    """The check above can fail: an inline script added to a page is blocked and reported."""
    found, _ = _violations(browser, headers_server + "/", then="""() => {
        const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.head.append(s); }""")
    assert any("script-src" in v for v in found), found


@pytest.mark.browser
def test_page_opened_from_disk_raises_no_csp_violation(browser, built_site: Path):
    """The <meta> policy alone, as when a reader opens site/index.html from their disk."""
    found, _ = _violations(browser, (built_site / "index.html").as_uri())
    assert found == [], found
