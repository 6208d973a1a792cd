"""site.yaml: a placeholder or missing `base_url` is a warning at its line in `check` and
`build` (not in a demonstration library, whose strict check passes and which lists the address
among what it still needs); a printed sheet never shows a placeholder address, on screen, on
paper or in its PDFs; every setting is documented."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from contentkit import REPO, copy_tiny_library, line_of, replace_in
from healthlib.content.load import SITE_SETTINGS
from healthlib.editor import check
from healthlib.pipeline import Project, build
from sitecopy import run_cli

TODAY = dt.date(2026, 6, 1)
SLUG = "sample-condition"
SHEET = f"{SLUG}/appointment-prep/index.html"


@pytest.fixture
def lib(tmp_path) -> Path:
    return copy_tiny_library(tmp_path)


def project(lib: Path) -> Project:
    return Project(lib, lib / "content", REPO / "templates", REPO / "static", lib / "site.yaml")


def set_base_url(lib: Path, url: str | None, demonstration: bool = False) -> None:
    site = lib / "site.yaml"
    text = re.sub(r"(?m)^base_url:.*\n", "" if url is None else f"base_url: {url}\n", site.read_text(encoding="utf-8"))
    site.write_text(text.replace("demonstration: true", f"demonstration: {str(demonstration).lower()}"),
                    encoding="utf-8")


def address_warnings(problems) -> list[str]:
    return [str(p) for p in problems if "base_url" in p.message]


@pytest.mark.parametrize("url", ["https://example.org/library/", "https://www.example.com/", "https://health.example/",
                                 "http://localhost:8000/", "https://site.test/health/"])
def test_a_placeholder_base_url_is_a_warning_at_its_line_in_check_and_build(lib, tmp_path, url):
    set_base_url(lib, url)
    line = line_of(lib / "site.yaml", "base_url:")
    expected = (f"site.yaml:{line}: warning: 'base_url' is {url}, a placeholder: canonical links, sharing previews "
                "and sitemap.xml would point to a site that is not yours, and the printed sheets leave the address "
                "out. Write the address the site will be published at, like https://health.your-organisation.org/ "
                "(see docs/publishing.md).")
    assert address_warnings(check.run(project(lib), TODAY).problems) == [expected]
    result = build(project(lib), tmp_path / "site", pdfs=False, today=TODAY)
    assert address_warnings(result.problems.items) == [expected]


@pytest.mark.parametrize("how", ["missing", "empty"])
def test_a_missing_base_url_is_a_warning_and_the_build_still_works(lib, tmp_path, how):
    set_base_url(lib, None if how == "missing" else "")
    [warning] = address_warnings(check.run(project(lib), TODAY).problems)
    assert warning.startswith("site.yaml:") and ": warning: there is no 'base_url': " in warning
    assert "Add 'base_url:' with the address the site will be published at" in warning
    result = build(project(lib), tmp_path / "site", pdfs=False, today=TODAY)
    assert address_warnings(result.problems.items) == [warning]
    assert (tmp_path / "site" / SLUG / "index.html").is_file()


def test_a_real_base_url_is_no_warning(lib):
    set_base_url(lib, "https://health.our-trust.org.uk/library/")
    assert address_warnings(check.run(project(lib), TODAY).problems) == []


def test_the_bundled_demonstration_library_passes_strict_check_and_says_the_address_is_a_placeholder():
    checked = run_cli("check", "--strict")
    assert checked.returncode == 0, checked.stderr
    assert "the address it will be published at in 'base_url' (now 'https://example.org/')" in checked.stderr


def visible_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    return " ".join(soup.body.get_text(" ").split())


def pdf_texts(site: Path) -> list[str]:
    pdfs = sorted((site / SLUG / "appointment-prep").glob("*.pdf"))
    assert len(pdfs) == 2, pdfs      # Letter and A4
    return [subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True, check=True).stdout
            for p in pdfs]


@pytest.mark.parametrize("demonstration", [True, False])
def test_a_printed_sheet_never_shows_a_placeholder_address_on_screen_or_in_its_pdfs(lib, tmp_path, demonstration):
    set_base_url(lib, "https://example.org/library/", demonstration)
    out = tmp_path / "site"
    build(project(lib), out, today=TODAY)
    text = visible_text((out / SHEET).read_text(encoding="utf-8"))
    assert "example.org" not in text
    assert "This checklist comes from the page \u201cSample condition\u201d of Test Library." in text
    for pdf in pdf_texts(out):
        assert "example.org" not in pdf
        assert "comes from the page \u201cSample condition\u201d of Test Library. That page" in " ".join(pdf.split())


def test_a_printed_sheet_shows_a_real_address(lib, tmp_path):
    set_base_url(lib, "https://health.our-trust.org.uk/library/")
    out = tmp_path / "site"
    build(project(lib), out, today=TODAY)
    address = f"https://health.our-trust.org.uk/library/{SLUG}/"
    assert f"This checklist comes from {address}" in visible_text((out / SHEET).read_text(encoding="utf-8"))
    for pdf in pdf_texts(out):
        assert f"This checklist comes from {address}. That page was last" in " ".join(pdf.split())


def test_every_site_yaml_setting_is_documented():
    docs = (REPO / "docs" / "content-format.md").read_text(encoding="utf-8")
    section = docs[docs.index("## `site.yaml`"):]
    section = section[:section.index("\n## ", 1)]
    block = section[section.index("```yaml"):section.index("```", section.index("```yaml") + 3)]
    written = set(re.findall(r"(?m)^(\w+):", block))
    assert written == set(SITE_SETTINGS), (set(SITE_SETTINGS) - written, written - set(SITE_SETTINGS))
    for name in ("readability", "target_grade", "smog_target", "max_words"):
        assert re.search(rf"(?m)^\s*{name}:", block), name
    for name in ("base_url", "disclaimer", "directory_urls"):
        assert f"- `{name}`:" in section, f"'{name}' has no paragraph"


def test_build_with_a_real_base_url_option_has_no_warning_about_site_yaml_s_placeholder(lib, tmp_path):
    set_base_url(lib, "https://example.org/library/")
    real = build(project(lib), tmp_path / "real", pdfs=False, today=TODAY, base_url="https://health.our-trust.org.uk/")
    assert address_warnings(real.problems.items) == []
    set_base_url(lib, "https://health.our-trust.org.uk/")
    placeholder = build(project(lib), tmp_path / "placeholder", pdfs=False, today=TODAY,
                        base_url="https://staging.example.com/")
    assert [w.split(": warning: ")[0] for w in address_warnings(placeholder.problems.items)] == ["--base-url"]


@pytest.mark.parametrize("link", ["../no-such-condition/", "../no-such-condition"])
def test_with_directory_urls_false_a_broken_link_is_still_reported_at_its_line(lib, link):
    (lib / "site.yaml").write_text((lib / "site.yaml").read_text(encoding="utf-8") + "directory_urls: false\n",
                                   encoding="utf-8")
    causes = lib / "content" / SLUG / "causes.md"
    causes.write_text(causes.read_text(encoding="utf-8") + f"\nSee [this page]({link}).\n", encoding="utf-8")
    found = [str(p) for p in check.run(project(lib), TODAY).problems if "no-such-condition" in p.message]
    assert found and found[0].startswith(f"content/{SLUG}/causes.md:{line_of(causes, link)}: "), found
