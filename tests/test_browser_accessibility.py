"""Accessibility of every page of the built site, checked in headless Chromium.

Each test runs once per HTML page (`page_path`, see conftest.py). A failure names the page
and says what a person would meet: an axe-core rule, a horizontal scrollbar, a hidden skip
link, an invisible focus ring, a blank page without JavaScript, a request to another site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from browser import format_violations, open_page, run_axe

browser_test = pytest.mark.browser


# ------------------------------------------------------------------ axe-core


@browser_test
@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_page_has_no_axe_violations(browser, site_server, page_path, color_scheme):
    with open_page(browser, site_server + page_path, color_scheme=color_scheme) as page:
        page.evaluate("async () => { await document.fonts.ready; }")
        violations = run_axe(page)
    if violations:
        pytest.fail(
            f"axe-core (WCAG 2.2 A/AA) found {len(violations)} rule(s) violated on {page_path} "
            f"in the {color_scheme} colour scheme:\n{format_violations(violations)}",
            pytrace=False,
        )


# ------------------------------------------------------------------ reflow (WCAG 1.4.10)


@browser_test
def test_page_reflows_without_horizontal_scrolling_at_320px(browser, site_server, page_path):
    with open_page(browser, site_server + page_path, viewport={"width": 320, "height": 640}) as page:
        page.evaluate("async () => { await document.fonts.ready; }")
        widths = page.evaluate(
            """() => {
                const inner = window.innerWidth;
                const wide = [];
                for (const el of document.body.querySelectorAll('*')) {
                    const r = el.getBoundingClientRect();
                    if (r.width > 0 && (r.right > inner + 0.5 || r.left < -0.5)) {
                        wide.push(el.tagName.toLowerCase()
                            + (el.id ? '#' + el.id : '')
                            + (el.classList.length ? '.' + [...el.classList].join('.') : '')
                            + ` [${Math.round(r.left)}..${Math.round(r.right)}]`);
                    }
                }
                return {scroll: document.documentElement.scrollWidth, inner, wide};
            }"""
        )
    assert widths["scroll"] <= widths["inner"], (
        f"{page_path} scrolls sideways at 320px wide: scrollWidth {widths['scroll']} > "
        f"innerWidth {widths['inner']}. Elements sticking out: "
        + ", ".join(widths["wide"][:15])
    )


# ------------------------------------------------------------------ keyboard


_ACTIVE = """() => {
    const el = document.activeElement;
    const main = document.querySelector('main');
    if (!el || el === document.body) return null;
    const r = el.getBoundingClientRect();
    return {
        tag: el.tagName.toLowerCase(),
        href: el.getAttribute('href'),
        text: (el.textContent || '').trim().slice(0, 80),
        html: el.outerHTML.slice(0, 200),
        mainId: main ? main.id : null,
        inMain: !!(main && main.contains(el)),
        rect: {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
               width: r.width, height: r.height},
        viewport: {width: window.innerWidth, height: window.innerHeight},
    };
}"""


def _visible_in_viewport(info: dict) -> bool:
    r, vp = info["rect"], info["viewport"]
    return (
        r["width"] >= 1
        and r["height"] >= 1
        and r["left"] >= -0.5
        and r["top"] >= -0.5
        and r["right"] <= vp["width"] + 0.5
        and r["bottom"] <= vp["height"] + 0.5
    )


@browser_test
def test_skip_link_is_first_focusable_and_visible_on_focus(browser, site_server, page_path):
    with open_page(browser, site_server + page_path) as page:
        page.keyboard.press("Tab")
        info = page.evaluate(_ACTIVE)
        assert info is not None, f"{page_path}: pressing Tab focused nothing"
        assert info["mainId"], f"{page_path}: <main> is missing or has no id to skip to"
        assert info["tag"] == "a" and info["href"] == "#" + info["mainId"], (
            f"{page_path}: the first Tab stop should be a skip link "
            f"<a href=\"#{info['mainId']}\">, but it is {info['html']}"
        )
        # Allow a short CSS transition to bring the link into view.
        for _ in range(10):
            if _visible_in_viewport(info):
                break
            page.wait_for_timeout(50)
            info = page.evaluate(_ACTIVE)
        assert _visible_in_viewport(info), (
            f"{page_path}: the focused skip link is not visible: box {info['rect']} "
            f"in a viewport of {info['viewport']}"
        )


_TAB_TO_MAIN_LINK_LIMIT = 400


@browser_test
def test_first_link_in_main_shows_a_focus_indicator(browser, site_server, page_path, site_file):
    soup = BeautifulSoup(site_file(page_path).read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main")
    if main is None or main.find("a", href=True) is None:
        pytest.skip(f"{page_path} has no link inside <main>")
    with open_page(browser, site_server + page_path) as page:
        seen = []
        info = None
        for _ in range(_TAB_TO_MAIN_LINK_LIMIT):
            page.keyboard.press("Tab")
            info = page.evaluate(_ACTIVE)
            if info and info["inMain"] and info["tag"] == "a" and info["href"] is not None:
                break
            seen.append(info["html"] if info else "<body>")
            info = None
        assert info is not None, (
            f"{page_path}: {_TAB_TO_MAIN_LINK_LIMIT} presses of Tab never reached a link "
            f"inside <main>; the first stops were: {seen[:10]}"
        )
        style = page.evaluate(
            """() => {
                const cs = getComputedStyle(document.activeElement);
                return {outlineStyle: cs.outlineStyle, outlineWidth: cs.outlineWidth,
                        outlineColor: cs.outlineColor, boxShadow: cs.boxShadow,
                        focusVisible: document.activeElement.matches(':focus-visible')};
            }"""
        )
    has_outline = style["outlineStyle"] != "none" and float(style["outlineWidth"].rstrip("px") or 0) > 0
    has_shadow = style["boxShadow"] != "none"
    assert has_outline or has_shadow, (
        f"{page_path}: the focused link {info['html']} has no focus indicator "
        f"(computed outline {style['outlineStyle']} {style['outlineWidth']} "
        f"{style['outlineColor']}, box-shadow {style['boxShadow']})"
    )


# ------------------------------------------------------------------ without JavaScript


@browser_test
def test_page_works_without_javascript(browser, site_server, page_path):
    with open_page(browser, site_server + page_path, java_script_enabled=False) as page:
        main = page.locator("main")
        assert main.count() == 1, f"{page_path}: expected one <main>, found {main.count()}"
        text = main.inner_text().strip()
        h1 = page.locator("h1")
        assert h1.count() >= 1, f"{page_path}: no <h1>"
        h1_visible = h1.first.is_visible()
    assert text, f"{page_path}: <main> shows no text with JavaScript off"
    assert h1_visible, f"{page_path}: the <h1> is not visible with JavaScript off"


# ------------------------------------------------------------------ headings (static)


def test_page_has_one_h1_and_no_skipped_heading_levels(site_file, page_path):
    soup = BeautifulSoup(site_file(page_path).read_text(encoding="utf-8"), "html.parser")
    headings = [
        h
        for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])
        if h.find_parent("template") is None
    ]
    h1s = [h for h in headings if h.name == "h1"]
    assert len(h1s) == 1, (
        f"{page_path}: expected exactly one <h1>, found {len(h1s)}: "
        + ", ".join(repr(h.get_text(' ', strip=True)[:60]) for h in h1s)
    )
    # Going deeper, a level may grow by one only (h2 -> h3, never h2 -> h4). Going back up
    # any amount is fine. Before the h1 a page may have h2 headings (e.g. a labelled header).
    skips = []
    previous = 1
    for h in headings:
        level = int(h.name[1])
        if level > previous + 1:
            skips.append(f"h{previous} -> {h.name} {h.get_text(' ', strip=True)[:60]!r}")
        previous = level
    assert not skips, f"{page_path}: heading levels skip: " + "; ".join(skips)


# ------------------------------------------------------------------ privacy


@browser_test
def test_page_loads_no_third_party_request(browser, site_server, page_path):
    origin = urlsplit(site_server)
    requested: list[str] = []
    context = browser.new_context()
    try:
        context.set_default_timeout(10_000)

        def is_local(url: str) -> bool:
            u = urlsplit(url)
            if u.scheme in ("data", "blob", "about"):
                return True  # no network involved
            return (u.scheme, u.netloc) == (origin.scheme, origin.netloc)

        # Never let a request leave the machine: abort it (it is still recorded).
        context.route(lambda url: not is_local(url), lambda route: route.abort())
        page = context.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.goto(site_server + page_path, wait_until="load")
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert requested, f"{page_path}: no request was recorded at all"
    foreign = sorted({url for url in requested if not is_local(url)})
    assert not foreign, (
        f"{page_path} makes requests to other origins than {site_server}:\n  " + "\n  ".join(foreign)
    )
