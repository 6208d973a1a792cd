"""Page weight budgets: a condition page's HTML + CSS (+ JS) stays small for slow phones, and
nothing but one stylesheet delays its first paint. Bytes are deterministic, so these are exact."""
from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from page_weight import BUDGET_GZIP, BUDGET_RAW, page_weight  # noqa: E402


def condition_pages(site: Path) -> list[str]:
    """Every condition page of a built site: the index.html one folder down, with its own content."""
    return sorted(p.relative_to(site).as_posix() for p in site.glob("*/index.html"))


def test_every_condition_page_fits_the_byte_budget(built_site):
    pages = condition_pages(built_site)
    assert pages
    for page in pages:
        w = page_weight(built_site, page)
        assert w.raw < BUDGET_RAW, f"{page}: HTML {w.html_raw} + CSS {w.css_raw} + JS {w.js_raw} bytes"
        assert w.gzip < BUDGET_GZIP, f"{page}: {w.gzip} bytes gzip-compressed"


def test_a_condition_page_waits_for_one_stylesheet_only(built_site):
    for page in condition_pages(built_site):
        blocking = page_weight(built_site, page).blocking
        assert len(blocking) == 1 and blocking[0].endswith(".css"), f"{page}: {blocking}"


def _site(tmp_path: Path, head: str, files: dict[str, bytes]) -> Path:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(f"<!DOCTYPE html><html><head>{head}</head><body>x</body></html>")
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def test_the_weighing_counts_every_stylesheet_and_script_and_what_blocks(tmp_path):
    css, printed, imported, js = b"body{color:red}" * 9, b"p{margin:0}", b"@import url('more.css');", b"var a=1;" * 5
    site = _site(tmp_path, '<link rel="stylesheet" href="../s.css"><link rel="stylesheet" media="print" href="/p.css">'
                           '<link rel="stylesheet" href="../i.css"><script src="../j.js"></script>'
                           '<script src="../j.js" defer></script><link rel="icon" href="../s.css">',
                 {"s.css": css, "p.css": printed, "i.css": imported, "j.js": js})
    w = page_weight(site, "a/index.html")
    html = (site / "a" / "index.html").read_bytes()
    assert w.html_raw == len(html) and w.css_raw == len(css + printed + imported) and w.js_raw == 2 * len(js)
    assert w.gzip == sum(len(gzip.compress(b, 9, mtime=0)) for b in (html, css, printed, imported, js, js))
    assert w.blocking == ["../s.css", "../i.css", "more.css", "../j.js"]


def test_the_weighing_refuses_a_file_from_another_site(tmp_path):
    site = _site(tmp_path, '<link rel="stylesheet" href="https://cdn.example/x.css">', {})
    with pytest.raises(ValueError, match="another site"):
        page_weight(site, "a/index.html")
