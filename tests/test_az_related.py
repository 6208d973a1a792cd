"""The A-Z (letter row, back-to-top links, other names as their own entries, the site's
alphabet) and `related:` (checked like links, listed near the end of the page)."""
from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from browser import format_violations, open_page, run_axe
from contentkit import REPO, add_condition, copy_content, line_of, replace_in
import statichost
from healthlib.publish.az import letter_of
from healthlib.errors import BuildError
from healthlib.content.model import Site
from healthlib.pipeline import Project, build
from projectkit import build_into, make_project
from test_html_validity import format_messages, run_vnu

SPANISH = tuple("ABCDEFGHIJKLMN") + ("Ñ",) + tuple("OPQRSTUVWXYZ")


def test_letter_of_follows_the_alphabet_then_plain_letters_then_first_character():
    assert letter_of("Ñandú fever", SPANISH) == "Ñ"
    assert letter_of("Ñandú fever", Site.alphabet) == "N"       # no Ñ in English's alphabet: under N
    assert letter_of("Épaule", Site.alphabet) == "E"
    assert letter_of("N\u0303andu", SPANISH) == "Ñ"                # written decomposed, filed the same
    assert letter_of("Llanto", ("L", "LL")) == "LL"             # the longest letter that matches
    assert letter_of("3-day fever", Site.alphabet) == "3"


def _site(tmp_path: Path, conditions: list[tuple[str, str]], alphabet: str | None = None) -> BeautifulSoup:
    content = copy_content(tmp_path)
    for slug, title in conditions:
        add_condition(content, slug, title)
    if alphabet:
        (tmp_path / "site.yaml").write_text((REPO / "site.yaml").read_text() + f"alphabet: {alphabet}\n")
    root = tmp_path if alphabet else REPO
    project = Project(root, content, REPO / "templates", REPO / "static", root / "site.yaml")
    build(project, tmp_path / "site", pdfs=False)
    return BeautifulSoup((tmp_path / "site" / "index.html").read_bytes(), "html5lib")


def test_a_to_z_has_a_letter_row_back_to_top_links_and_other_name_entries(tmp_path):
    index = _site(tmp_path, [("acne-sample", "Acne sample")])
    row = index.select_one("nav#az-letters")
    assert [li.get_text(strip=True)[:1] for li in row.select("li")] == list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert [a.get_text() for a in row.select("a")] == ["A", "C"]          # letters with entries only
    assert [a["href"] for a in row.select("a")] == ["#letter-a", "#letter-c"]
    for section in index.select("section.az"):
        assert section.select("a")[-1]["href"] == "#az-letters" and section.select("a")[-1].get_text() == "Back to top"
    see = [a.get_text() for a in index.select("#letter-c + ul .az__see a")]
    assert see == ["Calcific uremic arteriolopathy: see Acne sample", "Calcific uremic arteriolopathy: see Calciphylaxis"]


def test_a_to_z_follows_the_alphabet_setting(tmp_path):
    index = _site(tmp_path, [("nandu", "Ñandú fever")], alphabet=" ".join(SPANISH))
    row = [li.get_text(strip=True)[:1] for li in index.select("nav#az-letters li")]
    assert row == list(SPANISH)
    headings = [h.get_text() for h in index.select("section.az h2")]
    assert headings == ["C", "Ñ"]


def test_alphabet_written_twice_is_an_error(tmp_path):
    with pytest.raises(BuildError) as err:
        _site(tmp_path, [], alphabet="A B A")
    assert "site.yaml:" in str(err.value) and "'A' more than once" in str(err.value)


def _related_content(tmp_path: Path, related: str) -> Path:
    content = copy_content(tmp_path)
    add_condition(content, "kidney-sample", "Kidney sample")
    replace_in(content / "calciphylaxis" / "condition.yaml", "summary:", f"related:\n{related}summary:")
    return content


def test_related_conditions_are_listed_near_the_end_and_not_indexed(tmp_path):
    content = _related_content(tmp_path, "  - kidney-sample\n")
    build(Project.at(REPO, content), tmp_path / "site", pdfs=False)
    page = BeautifulSoup((tmp_path / "site" / "calciphylaxis" / "index.html").read_bytes(), "html5lib")
    section = page.select_one("section#related")
    assert [(a.get_text(), a["href"]) for a in section.select("a")] == [("Kidney sample", "../kidney-sample/")]
    assert section["data-pagefind-ignore"] == "all"
    assert section.find_next("section")["id"] == "sources"


@pytest.mark.parametrize("written, message", [
    ("  - kidney-sampel\n", "no condition folder with that name. Did you mean 'kidney-sample'?"),
    ("  - calciphylaxis\n", "lists this condition itself"),
    ("  - kidney-sample\n  - kidney-sample\n", "lists 'kidney-sample' twice"),
])
def test_related_that_names_no_other_condition_is_an_error_with_its_line(tmp_path, written, message):
    content = _related_content(tmp_path, written)
    with pytest.raises(BuildError) as err:
        build(Project.at(REPO, content), tmp_path / "site", pdfs=False)
    path = content / "calciphylaxis" / "condition.yaml"
    line = line_of(path, "related:") + len(written.splitlines())   # the last entry written
    assert f"content/calciphylaxis/condition.yaml:{line}: " in str(err.value) and message in str(err.value)
    assert not (tmp_path / "site").exists()


def test_related_title_change_reaches_the_page_on_a_cached_rebuild(tmp_path):
    content = _related_content(tmp_path, "  - kidney-sample\n")
    project, out = Project.at(REPO, content), tmp_path / "site"
    build(project, out, pdfs=False, cache_dir=tmp_path / "cache")
    replace_in(content / "kidney-sample" / "condition.yaml", "title: Kidney sample", "title: Kidney example")
    build(project, out, pdfs=False, cache_dir=tmp_path / "cache")
    assert "Kidney example" in (out / "calciphylaxis" / "index.html").read_text()


@pytest.fixture(scope="module")
def thousand(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("az1000")
    build_into(make_project(root, 1000, related=True), root / "site")
    return root / "site"


def test_a_to_z_of_1000_conditions_has_every_entry_and_is_valid_html(thousand):
    index = BeautifulSoup((thousand / "index.html").read_bytes(), "html5lib")
    assert len(index.select(".az__list > li:not(.az__see)")) == 1000
    assert len(index.select(".az__list > li.az__see")) == 1000
    assert len(index.select("nav#az-letters a")) == 26
    messages = run_vnu(thousand / "index.html")
    assert messages == [], format_messages(messages, thousand)


@pytest.mark.browser
def test_a_to_z_of_1000_conditions_has_no_axe_violations(browser, thousand):
    with statichost.serve(thousand) as base, open_page(browser, base) as page:
        violations = run_axe(page)
    assert violations == [], format_violations(violations)


def test_related_pages_made_across_processes_are_the_bytes_of_a_serial_build(tmp_path):
    project = make_project(tmp_path / "project", 60, related=True)
    build(project, tmp_path / "serial", pdfs=False, jobs=1, use_cache=False)
    build(project, tmp_path / "parallel", pdfs=False, jobs=2, use_cache=False)
    files = lambda site: {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}  # noqa: E731
    assert files(tmp_path / "serial") == files(tmp_path / "parallel")
    assert "Related conditions" in (tmp_path / "serial" / "abrabanitis" / "index.html").read_text()
