"""Right to left: a library with a language written right to left (Arabic, test data only: a few
catalog words and a small condition) gets dir="rtl", and its layout mirrors: the care card's and
the key points' stripes and the list markers are on the right. Nothing overflows at 320 px, axe passes."""
from __future__ import annotations

import datetime as dt

import pytest

import statichost
from browser import format_violations, open_page, run_axe
from contentkit import replace_in
from langkit import SLUG, library_in, project_of
from healthlib import pipeline
from healthlib.publish import i18n

browser_test = pytest.mark.browser

ARABIC = {
    "Key points": "النقاط الرئيسية",
    "Skip to main content": "انتقل إلى المحتوى الرئيسي",
    "Urgent advice": "نصيحة عاجلة",
    "Emergency": "حالة طارئة",
    "On this page": "في هذه الصفحة",
    i18n.N_("this information is available in English"): "هذه المعلومات متوفرة باللغة العربية",
}

# Where a box's thick edge, and a list's marker room, are: the computed physical sides.
_SIDES = """() => {
    const side = (el, what) => {
        const cs = getComputedStyle(el);
        return parseFloat(cs[what + 'Right']) > parseFloat(cs[what + 'Left']) ? 'right' : 'left';
    };
    const ul = document.querySelector('.list');
    return {
        dir: document.documentElement.dir,
        card: side(document.querySelector('.care-card'), 'border') ,
        summary: side(document.querySelector('.summary-box'), 'border'),
        markers: side(ul, 'padding'),
        marker_beyond: (() => {    // the first item's text starts on the side its marker is not on
            const li = ul.querySelector('li').getBoundingClientRect(), box = ul.getBoundingClientRect();
            return li.right < box.right - 1 ? 'right' : 'left';
        })(),
        scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
    };
}"""


@pytest.fixture(scope="module")
def rtl_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rtl")
    lib = library_in(tmp, code="ar", messages=ARABIC)
    meta = lib / "content/ar" / SLUG / "condition.yaml"
    replace_in(meta, "title: Sample condition", "title: حالة تجريبية")
    replace_in(meta, "summary: A sample condition makes your skin sore.", "summary: حالة تجعل الجلد مؤلما.")
    out = tmp / "site"
    pipeline.build(project_of(lib), out, pdfs=False, search=False, today=dt.date(2026, 6, 1))
    with statichost.serve(out, prefix="/library/") as base:    # the tiny library's base_url path
        yield base.rstrip("/")


@browser_test
@pytest.mark.parametrize(("path", "direction", "side"), [(f"/ar/{SLUG}/", "rtl", "right"),
                                                           (f"/{SLUG}/", "ltr", "left")])
def test_a_right_to_left_page_mirrors_and_reflows_at_320px(browser, rtl_site, path, direction, side):
    with open_page(browser, rtl_site + path, viewport={"width": 320, "height": 640}) as page:
        page.evaluate("async () => { await document.fonts.ready; }")
        found = page.evaluate(_SIDES)
    assert found["dir"] == direction
    assert (found["card"], found["summary"], found["markers"]) == (side, side, side), found
    assert found["marker_beyond"] == side, found
    assert found["scroll"] <= found["inner"], f"{path} scrolls sideways at 320 px: {found}"


@browser_test
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", [f"/ar/{SLUG}/", f"/ar/{SLUG}/appointment-prep/", "/ar/", "/ar/404.html"])
def test_right_to_left_pages_have_no_axe_violations(browser, rtl_site, path, scheme):
    with open_page(browser, rtl_site + path, color_scheme=scheme) as page:
        assert page.evaluate("document.documentElement.dir") == "rtl"
        violations = run_axe(page)
    assert not violations, f"axe on {path} ({scheme}):\n{format_violations(violations)}"
