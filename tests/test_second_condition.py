"""A second condition, gout (tests/fixtures/gout: test data, not bundled content), built end to
end through the real command line: its page, its sheet and its PDFs. Its care levels (its
library's own), lists and sheet differ from calciphylaxis's, so nothing is shaped for one."""
from __future__ import annotations

import re
import subprocess

import pytest
from bs4 import BeautifulSoup

from browser import format_violations, open_page, run_axe
from goutkit import SLUG, cli, gout_project
import statichost
from test_html_validity import format_messages, run_vnu

from healthlib.publish import pdf


@pytest.fixture(scope="module")
def gout_site(tmp_path_factory):
    root = gout_project(tmp_path_factory.mktemp("gout") / "project")
    done = cli(root, "build", "--out", str(root / "site"))
    assert done.returncode == 0, done.stderr
    return root / "site", done


def _soup(site, path) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "html.parser")


def _pdf_text(path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def test_gout_builds_through_the_cli_with_its_page_its_sheet_and_two_page_pdfs(gout_site):
    site, done = gout_site
    assert "Built 1 condition(s)" in done.stdout and "appointment sheet" not in done.stderr
    page = _soup(site, f"{SLUG}/index.html")
    assert page.h1.get_text() == "Gout"
    sheet = _soup(site, f"{SLUG}/appointment-prep/index.html")
    assert sheet.h1.get_text() == "My appointment checklist: Gout"
    for paper in pdf.PAPERS:
        path = site / SLUG / "appointment-prep" / paper.filename(SLUG)
        pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(path)], capture_output=True,
                                                                text=True).stdout).group(1))
        assert 1 <= pages <= 2, (paper, pages)
        text = _pdf_text(path)
        assert "Tests I have had" in text and "Urgent: same day".upper() in text.upper()


def test_gouts_sheet_differs_from_calciphylaxis_in_care_level_checklists_and_since_when(gout_site):
    site, _ = gout_site
    sheet = _soup(site, f"{SLUG}/appointment-prep/index.html")
    [card] = sheet.select(".care-card")
    assert card.select_one(".care-card__label").get_text() == "Urgent: same day"
    assert "care-card--emergency" not in str(sheet)
    assert not sheet.select(".checklist__since"), "gout's symptoms are plain checkboxes"
    legends = [legend.get_text(" ", strip=True) for legend in sheet.select("fieldset.checklist > legend")]
    assert "Tests I have had" in legends
    page = _soup(site, f"{SLUG}/index.html")
    assert [c["class"][1] for c in page.select(".care-card")] == ["care-card--non-urgent", "care-card--urgent"]


def test_gouts_pages_are_valid_html(gout_site):
    site, _ = gout_site
    messages = run_vnu(site / SLUG)
    assert not messages, format_messages(messages, site)


@pytest.mark.browser
@pytest.mark.parametrize("path", [f"{SLUG}/", f"{SLUG}/appointment-prep/"])
def test_gouts_page_and_sheet_have_no_axe_violations_at_360_px_in_light_and_dark(browser, gout_site, path):
    site, _ = gout_site
    with statichost.serve(site) as base:
        for scheme in ("light", "dark"):
            with open_page(browser, base + path, viewport={"width": 360, "height": 800}, color_scheme=scheme) as page:
                violations = run_axe(page)
                assert not violations, format_violations(violations)
                assert page.evaluate("document.documentElement.scrollWidth") <= 360
