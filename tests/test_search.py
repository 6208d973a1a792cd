"""Search: Pagefind's index of the condition pages, the search page and the header's box, in
real Chromium over http. The library is synthetic (bench/make_library.py) plus the bundled
calciphylaxis, with one symptom and one question that only one condition has."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from browser import format_violations, open_page, run_axe
from contentkit import CONTENT, replace_in
import statichost
from healthlib.publish import search
from healthlib.pipeline import Project, gather, site_files
from langkit import write_catalog
from projectkit import build_into, make_project
from sitecopy import run_cli, site_digest

ODD_ONE = "belobanitis"                      # condition 1 of the synthetic library
SYMPTOM = "Silver scales on both elbows"     # only ODD_ONE's symptoms list has it
QUESTION = "Can my grandchildren visit while I heal?"
RIVAL = "corabanitis"                        # condition 2: its key point names calciphylaxis


@pytest.fixture(scope="module")
def library_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("search")
    project = make_project(root, 30, related=True)
    shutil.copytree(CONTENT / "calciphylaxis", project.content / "calciphylaxis")
    folder = project.content / ODD_ONE
    replace_in(folder / "symptoms.md", "  items:\n", f"  items:\n  - {SYMPTOM}\n")
    faq = (folder / "faq.yaml").read_text(encoding="utf-8")
    (folder / "faq.yaml").write_text(f"- question: {QUESTION}\n  answer: Yes. Ask your care team first.\n" + faq,
                                     encoding="utf-8")
    # Another condition names both, three times, so the names' weight is what puts calciphylaxis first.
    rival = "It is not calciphylaxis (calcific uremic arteriolopathy)."
    replace_in(project.content / RIVAL / "condition.yaml", "key_points:\n- ", f"key_points:\n- {rival} ")
    replace_in(project.content / RIVAL / "symptoms.md", "  items:\n", f"  items:\n  - {rival}\n")
    replace_in(project.content / RIVAL / "faq.yaml", "- question: ", f"- question: Is it calcific uremic arteriolopathy?\n"
               "  answer: No.\n- question: ")
    build_into(project, root / "site")
    return root / "site"


@pytest.fixture(scope="module")
def library_server(library_site: Path):
    with statichost.serve(library_site) as base:
        yield base


def _results(page, query: str) -> list[str]:
    page.fill("#search-q", query)
    page.press("#search-q", "Enter")
    page.wait_for_function("q => document.querySelector('[data-search-status]').textContent.includes(q)", arg=query)
    return [a.get_attribute("href") for a in page.query_selector_all(".search-result__title a")]


@pytest.mark.browser
@pytest.mark.parametrize("query, first", [
    ("Calciphylaxis", "calciphylaxis"),                     # a title
    ("calcific uremic arteriolopathy", "calciphylaxis"),    # another name
    ("Banbelo itis syndrome", ODD_ONE),                      # another name (synthetic)
    ("silver scales elbows", ODD_ONE),                       # a symptom phrase
    (QUESTION, ODD_ONE),                                     # a FAQ question
    ("calcifylaxis", "calciphylaxis"),                       # misspelt ("f" for "ph"): Pagefind matches it
], ids=["title", "other-name", "other-name-synthetic", "symptom", "faq-question", "misspelling"])
def test_search_puts_the_right_condition_first(browser, library_server, query, first):
    with open_page(browser, library_server + "search/") as page:
        links = _results(page, query)
    assert links and links[0].endswith(f"/{first}/"), (query, links[:5])


@pytest.mark.browser
def test_search_results_show_title_and_summary_and_are_announced(browser, library_server):
    with open_page(browser, library_server + "search/?q=calciphylaxis") as page:
        page.wait_for_selector(".search-result")
        first = page.query_selector(".search-result")
        assert first.query_selector("a").inner_text() == "Calciphylaxis"
        assert first.query_selector("p").inner_text().startswith("Calciphylaxis is a rare")
        status = page.query_selector("[data-search-status]")
        assert status.get_attribute("role") == "status" and "result" in status.inner_text()


@pytest.mark.browser
def test_header_box_opens_the_search_page_by_keyboard_with_visible_focus(browser, library_server):
    with open_page(browser, library_server + "calciphylaxis/") as page:
        assert page.is_hidden("[data-search-fallback]") and page.is_visible("[data-search-box]")
        page.keyboard.press("Tab")   # the skip link
        page.keyboard.press("Tab")   # the library's name
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "site-search-q"
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"
        page.keyboard.type("arteriolopathy")
        page.keyboard.press("Enter")
        page.wait_for_selector(".search-result a")
        assert page.url.endswith("search/?q=arteriolopathy")
        page.focus("#search-q")      # the search page's own box holds the query
        assert page.input_value("#search-q") == "arteriolopathy"
        page.keyboard.press("Tab")   # from the box: the button, then the first result
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.closest('.search-result') !== null")
        assert focused and page.evaluate("getComputedStyle(document.activeElement).backgroundColor") != "rgba(0, 0, 0, 0)"


@pytest.mark.browser
def test_without_javascript_the_box_is_a_link_to_the_a_to_z(browser, library_server):
    with open_page(browser, library_server + "calciphylaxis/", java_script_enabled=False) as page:
        assert page.is_hidden("[data-search-box]")
        link = page.query_selector("[data-search-fallback]")
        assert link.is_visible() and link.get_attribute("href").endswith("#az-letters")
    with open_page(browser, library_server + "search/", java_script_enabled=False) as page:
        assert page.is_hidden("[data-search-form]") and page.is_visible("[data-search-nojs]")


@pytest.mark.browser
@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_search_page_with_results_has_no_axe_violations(browser, library_server, color_scheme):
    with open_page(browser, library_server + "search/?q=skin", color_scheme=color_scheme) as page:
        page.wait_for_selector(".search-result")
        violations = run_axe(page)
    assert violations == [], format_violations(violations)


def test_only_condition_pages_are_indexed(library_site):
    gathered = gather(Project.at(library_site.parent))
    index = search.SearchIndex()
    files = list(index.taking(site_files(gathered)))
    assert {"index.html", "404.html", "search/index.html"} <= {file[0] for file in files}
    assert sorted(path for path, _ in index.pages) == sorted(f"{c.slug}/index.html" for c in gathered.library.conditions)


def test_the_index_is_per_language_and_reused_when_no_indexed_page_changed(tmp_path, monkeypatch):
    project = make_project(tmp_path, 3)
    site = project.site_file.read_text(encoding="utf-8").replace("language: en", "language: fr")
    project.site_file.write_text(site, encoding="utf-8")
    write_catalog(project.catalogs, "fr", {"Key points": "Points clés"})   # a language needs its catalog
    out = tmp_path / "site"
    build_into(project, out)
    entry = json.loads((out / "pagefind" / "pagefind-entry.json").read_text())
    assert list(entry["languages"]) == ["fr"]
    before = {p.name: p.read_bytes() for p in (out / "pagefind").rglob("*") if p.is_file()}
    monkeypatch.setattr(search, "_index", lambda pages: pytest.fail("indexed again, nothing changed"))
    build_into(project, out)
    assert {p.name: p.read_bytes() for p in (out / "pagefind").rglob("*") if p.is_file()} == before
    monkeypatch.undo()
    replace_in(next(project.content.glob("*/condition.yaml")), "summary: ", "summary: Changed. ")
    build_into(project, out)
    assert {p.name: p.read_bytes() for p in (out / "pagefind").rglob("*") if p.is_file()} != before


@pytest.mark.browser
def test_search_results_link_below_the_folder_the_site_is_published_in(browser, library_site):
    with statichost.serve(library_site, prefix="/health/") as base, open_page(browser, base + "search/") as page:
        links = _results(page, "calciphylaxis")
    assert links and links[0] == "/health/calciphylaxis/", links[:3]


def test_no_search_makes_no_index_and_every_other_file_the_same(tmp_path):
    with_index, without = tmp_path / "with", tmp_path / "without"
    for out, extra in ((with_index, ()), (without, ("--no-search",))):
        done = run_cli("build", "--no-pdf", "--out", str(out), "--cache", str(tmp_path / f"cache-{out.name}"), *extra)
        assert done.returncode == 0, done.stderr
    indexed, plain = site_digest(with_index), site_digest(without)
    assert any(path.startswith("pagefind/") for path in indexed)
    assert not any(path.startswith("pagefind/") for path in plain)
    assert {p: h for p, h in indexed.items() if not p.startswith("pagefind/") and p != ".healthlib-site"} == \
        {p: h for p, h in plain.items() if p != ".healthlib-site"}
