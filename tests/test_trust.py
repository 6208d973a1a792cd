"""Trust that can be checked: clinical sign-off, the review cycle, overdue pages, page history,
drafts, editorial pages, the feedback link and the demonstration notice.

Each rule is tested on a private copy of the tiny fixture library (tests/fixtures/tiny), with
the bundled editorial pages, through `check` in process or a build without PDFs.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from contentkit import REPO, line_of, replace_in, copy_tiny_library
from healthlib.editor import check
from healthlib.publish import seo
from healthlib.errors import BuildError
from healthlib.pipeline import Project, build

FIXTURE = Path(__file__).parent / "fixtures" / "tiny"
SLUG = "sample-condition"
TODAY = dt.date(2026, 6, 1)          # between the fixture's review dates (2026-01-10, 2027-01-10)
SIGN_OFF = "sign_off:\n  name: Dr A. Example\n  role: consultant dermatologist\n  date: 2026-01-12\n"


@pytest.fixture
def lib(tmp_path) -> Path:
    return copy_tiny_library(tmp_path)


def project(lib: Path) -> Project:
    return Project(lib, lib / "content", REPO / "templates", REPO / "static", lib / "site.yaml")


def meta(lib: Path, slug: str = SLUG) -> Path:
    return lib / "content" / slug / "condition.yaml"


def real_library(lib: Path) -> None:
    """Not a demonstration: sign-offs, a feedback address and a real address are asked for."""
    replace_in(lib / "site.yaml", "demonstration: true", "demonstration: false")
    replace_in(lib / "site.yaml", "https://example.org/library/", "https://health.our-trust.org.uk/library/")


def add(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def lines(lib: Path, today: dt.date = TODAY, strict: bool = False) -> list[str]:
    return [str(p) for p in check.run(project(lib), today).final(strict)]


def where(lib: Path, needle: str, slug: str = SLUG) -> str:
    return f"content/{slug}/condition.yaml:{line_of(meta(lib, slug), needle)}:"


def built(lib: Path, tmp_path: Path, today: dt.date = TODAY, **options):
    out = tmp_path / "site"
    return build(project(lib), out, pdfs=False, today=today, **options), out


def soup(out: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((out / page).read_text(encoding="utf-8"), "html.parser")


# ------------------------------------------------------------------ clinical sign-off


def test_strict_check_fails_a_published_condition_without_a_sign_off(lib):
    real_library(lib)
    add(lib / "site.yaml", "feedback: pages@example.org\n")
    message = ("no clinician has signed off this page. Add 'sign_off:' with the 'name', 'role' and 'date' of "
               "the clinician who approved it (see docs/content-format.md).")
    assert lines(lib) == [f"{where(lib, 'title:')} warning: {message}"]
    assert lines(lib, strict=True) == [f"{where(lib, 'title:')} {message}"]
    add(meta(lib), SIGN_OFF)
    assert lines(lib, strict=True) == []


def test_a_draft_needs_no_sign_off_and_a_demonstration_library_none_at_all(lib):
    add(meta(lib), "status: draft\n")
    real_library(lib)
    add(lib / "site.yaml", "feedback: pages@example.org\n")
    assert lines(lib, strict=True) == []
    replace_in(meta(lib), "status: draft", "status: published")
    replace_in(lib / "site.yaml", "demonstration: false", "demonstration: true")
    assert lines(lib, strict=True) == []


def test_sign_off_is_shown_beside_the_review_dates_and_in_the_structured_data(lib, tmp_path):
    add(meta(lib), SIGN_OFF)
    _, out = built(lib, tmp_path)
    page = soup(out, f"{SLUG}/index.html")
    review = page.select_one("#sources .review")
    assert " ".join(review.select_one(".sign-off").get_text().split()) == \
        "Reviewed by Dr A. Example, consultant dermatologist, on January 12, 2026."
    assert "Page last reviewed: January 10, 2026" in review.get_text()
    data = json.loads(page.select_one('script[type="application/ld+json"]').string)
    assert data["reviewedBy"] == {"@type": "Person", "name": "Dr A. Example", "jobTitle": "consultant dermatologist"}


def test_an_unsigned_page_says_no_clinician_has_approved_it(lib, tmp_path):
    _, out = built(lib, tmp_path)
    assert soup(out, f"{SLUG}/index.html").select_one(".sign-off").get_text() == \
        "No clinician has approved this page yet."


def test_a_sign_off_older_than_the_last_review_or_in_the_future_is_a_warning(lib):
    add(meta(lib), SIGN_OFF.replace("2026-01-12", "2025-12-01"))
    assert f"{where(lib, 'sign_off:')} warning: the sign-off (2025-12-01) is older than the last review " \
           "(2026-01-10): ask a clinician to approve the reviewed page, then update 'sign_off'." in lines(lib)
    replace_in(meta(lib), "2025-12-01", "2026-07-01")
    assert f"{where(lib, 'sign_off:')} warning: the sign-off date 2026-07-01 has not come yet." in lines(lib)


def test_a_sign_off_needs_a_name_a_role_and_a_date(lib):
    add(meta(lib), "sign_off:\n  name: Dr A. Example\n  date: 2026-13-01\n")
    found = lines(lib)
    assert f"{where(lib, 'sign_off:')} 'role' is missing. Add 'role:' with their role or credentials, such as " \
           "'consultant nephrologist'." in found, found
    assert f"{where(lib, 'date: 2026-13-01')} 'date' must be a date like 2027-01-31; got '2026-13-01'." in found


# ------------------------------------------------------------------ review cycle and overdue pages


def test_next_review_may_be_at_most_the_review_cycle_after_the_last(lib, tmp_path):
    replace_in(meta(lib), "next_review_due: 2027-01-10", "next_review_due: 2029-01-11")
    problem = (f"{where(lib, 'next_review_due')} 'next_review_due' (2029-01-11) is more than 3 year(s) after "
               "'last_reviewed' (2026-01-10), the longest review cycle site.yaml allows ('review_cycle_years'). "
               "Set it to 2029-01-10 or sooner.")
    assert problem in lines(lib)
    with pytest.raises(BuildError) as failed:
        built(lib, tmp_path)
    assert problem in map(str, failed.value.problems)
    replace_in(meta(lib), "2029-01-11", "2029-01-10")
    assert lines(lib) == []
    add(lib / "site.yaml", "review_cycle_years: 2\n")
    assert any("more than 2 year(s) after" in p for p in lines(lib))


def test_an_overdue_page_is_a_warning_an_error_in_strict_and_a_note_on_the_page(lib, tmp_path):
    late = dt.date(2027, 1, 11)
    due = f"{where(lib, 'next_review_due')}"
    assert f"{due} warning: this page was due for review on 2027-01-10. Check its facts and sources, then " \
           "update 'last_reviewed' and 'next_review_due'." in lines(lib, late)
    assert any(p.startswith(f"{due} this page was due") for p in lines(lib, late, strict=True))
    _, out = built(lib, tmp_path, today=late)
    note = soup(out, f"{SLUG}/index.html").select_one(".overdue-note")
    assert note is not None and "overdue for review" in note.get_text() and "January 10, 2027" in note.get_text()
    _, out = built(lib, tmp_path, today=dt.date(2027, 1, 10))
    assert soup(out, f"{SLUG}/index.html").select_one(".overdue-note") is None


def test_a_cached_rebuild_adds_the_overdue_note_the_day_after_the_review_date(lib, tmp_path):
    cache = tmp_path / "cache"
    built(lib, tmp_path, today=dt.date(2027, 1, 10), cache_dir=cache)
    _, out = built(lib, tmp_path, today=dt.date(2027, 1, 11), cache_dir=cache)
    assert soup(out, f"{SLUG}/index.html").select_one(".overdue-note") is not None


# ------------------------------------------------------------------ page history


CHANGES = ("changes:\n  - date: 2026-03-02\n    summary: Added what to do about itching.\n"
           "  - date: 2026-01-10\n    summary: First version.\n")


def test_page_history_is_shown_newest_first_in_a_details_near_the_review_line(lib, tmp_path):
    add(meta(lib), CHANGES)
    _, out = built(lib, tmp_path)
    history = soup(out, f"{SLUG}/index.html").select_one("#sources .review details.page-history")
    assert history.summary.get_text() == "Page history"
    assert [" ".join(li.get_text().split()) for li in history.select("li")] == [
        "March 2, 2026: Added what to do about itching.", "January 10, 2026: First version."]


def test_page_history_must_be_newest_first_with_real_dates_and_one_line_summaries(lib):
    add(meta(lib), CHANGES.replace("2026-03-02", "2025-12-24") + "  - date: 2026-02-30\n    summary: x\n")
    found = lines(lib)
    assert f"{where(lib, 'date: 2026-01-10')} the changes must be listed newest first: 2026-01-10 comes after " \
           "2025-12-24. Move this change above it." in found
    assert f"{where(lib, 'date: 2026-02-30')} 'date' must be a date like 2027-01-31; got '2026-02-30'." in found


def test_a_change_dated_in_the_future_is_a_warning(lib):
    add(meta(lib), CHANGES)
    assert f"{where(lib, 'changes:')} warning: the newest change is dated 2026-03-02, a day that has not " \
           "come yet." in lines(lib, dt.date(2026, 3, 1))


def test_the_newest_change_is_date_modified_and_the_sitemap_lastmod(lib, tmp_path):
    add(meta(lib), CHANGES)
    _, out = built(lib, tmp_path)
    page = soup(out, f"{SLUG}/index.html")
    data = json.loads(page.select_one('script[type="application/ld+json"]').string)
    assert (data["dateModified"], data["lastReviewed"]) == ("2026-03-02", "2026-01-10")
    ns = {"s": seo.SITEMAP_NS}
    lastmod = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns)
               for u in ET.parse(out / "sitemap.xml").getroot().findall("s:url", ns)}
    assert lastmod[f"https://example.org/library/{SLUG}/"] == "2026-03-02"


# ------------------------------------------------------------------ drafts


def test_build_leaves_drafts_out_of_the_site_the_a_to_z_and_the_sitemap_and_says_so(lib, tmp_path):
    shutil.copytree(lib / "content" / SLUG, lib / "content" / "second-condition")
    replace_in(meta(lib, "second-condition"), "title: Sample condition", "title: Second condition")
    add(meta(lib, "second-condition"), "status: draft\n")
    result, out = built(lib, tmp_path)
    assert result.notes == ("Left out 1 draft condition(s) (status: draft): second-condition. "
                            "'build.py check' checks them.",)
    assert not (out / "second-condition").exists()
    assert "second-condition" not in (out / "index.html").read_text() + (out / "sitemap.xml").read_text()
    assert (out / SLUG / "index.html").is_file()


def test_a_half_written_draft_does_not_stop_the_build(lib, tmp_path):
    shutil.copytree(lib / "content" / SLUG, lib / "content" / "second-condition")
    replace_in(meta(lib, "second-condition"), "title: Sample condition", "title:")
    add(meta(lib, "second-condition"), "status: draft\n")
    result, out = built(lib, tmp_path)
    assert not (out / "second-condition").exists() and (out / SLUG / "index.html").is_file()
    assert "second-condition" in result.notes[0]
    assert any("'title' is empty" in p for p in lines(lib))


def test_check_still_checks_a_draft(lib):
    add(meta(lib), "status: draft\n")
    replace_in(lib / "content" / SLUG / "faq.yaml", "Will it come back?", "Will it come back")
    assert any("should end with '?'" in p for p in lines(lib))
    replace_in(meta(lib), "status: draft", "status: ready")
    assert f"{where(lib, 'status:')} 'status' must be one of: published, draft; got 'ready'." in lines(lib)


# ------------------------------------------------------------------ editorial pages


def test_editorial_pages_are_published_and_linked_from_every_footer(lib, tmp_path):
    _, out = built(lib, tmp_path)
    pages = sorted(p.stem for p in (lib / "content" / "_pages").glob("*.md"))
    for slug in pages:
        page = soup(out, f"{slug}/index.html")
        assert len(page.select("h1")) == 1 and page.select_one("main .lead")
    for html in out.rglob("*.html"):
        footer = [a["href"] for a in soup(out, html.relative_to(out).as_posix()).select("footer nav a")]
        assert sorted(h.strip("./").split("/")[-1] or h for h in footer) == pages, (html, footer)
    sitemap = (out / "sitemap.xml").read_text()
    assert all(f"https://example.org/library/{slug}/" in sitemap for slug in pages)


def test_a_missing_or_draft_required_page_is_a_warning(lib):
    (lib / "content" / "_pages" / "privacy.md").unlink()
    page = lib / "content" / "_pages" / "accessibility.md"
    replace_in(page, "title: Accessibility statement", "title: Accessibility statement\nstatus: draft")
    found = lines(lib)
    assert "content/_pages/privacy.md: warning: site.yaml requires the editorial page 'privacy' " \
           "('required_pages'), and it is missing. Write it (see docs/content-format.md)." in found
    assert any(p.startswith("content/_pages/accessibility.md: warning: site.yaml requires") and "still a draft" in p
               for p in found)
    add(lib / "site.yaml", "required_pages:\n  - about\n")
    assert lines(lib) == []


def test_a_link_to_a_draft_editorial_page_is_an_error(lib):
    replace_in(lib / "content" / "_pages" / "contact.md", "title: Contact", "title: Contact\nstatus: draft")
    page = lib / "content" / "_pages" / "accessibility.md"
    assert f"content/_pages/accessibility.md:{line_of(page, '../contact/')}: the link '../contact/' leads to a " \
           "page that does not exist. There is no condition 'contact'. The conditions are: " \
           "../sample-condition/." in lines(lib)


def test_an_editorial_page_may_not_take_a_condition_s_address(lib):
    shutil.copy(lib / "content" / "_pages" / "about.md", lib / "content" / "_pages" / f"{SLUG}.md")
    assert f"content/_pages/{SLUG}.md: the page '{SLUG}' would have the same address as the condition " \
           f"folder '{SLUG}'. Rename one of them." in lines(lib)


def test_editorial_pages_may_use_level_2_headings_but_a_condition_section_may_not(lib):
    replace_in(lib / "content" / SLUG / "causes.md", "Nobody knows", "## Not known\n\nNobody knows")
    path = lib / "content" / SLUG / "causes.md"
    assert any(p.startswith(f"content/{SLUG}/causes.md:{line_of(path, '## Not known')}:")
               and "write '### Not known'" in p for p in lines(lib))
    assert not any(p.startswith("content/_pages/") for p in lines(lib)), path


# ------------------------------------------------------------------ feedback


def test_feedback_link_is_a_mailto_with_the_page_title_and_address_in_the_subject(lib, tmp_path):
    add(lib / "site.yaml", "feedback: pages@example.org\n")
    _, out = built(lib, tmp_path)
    link = soup(out, f"{SLUG}/index.html").select_one("article > p.feedback:last-child a")
    assert link.get_text() == "Is something wrong or unclear on this page? Tell us"
    href = urlsplit(link["href"])
    assert (href.scheme, href.path) == ("mailto", "pages@example.org")
    assert " " not in link["href"] and "(" not in link["href"]
    assert parse_qs(href.query)["subject"] == [f"Feedback on Sample condition (https://example.org/library/{SLUG}/)"]
    assert unquote(href.query).startswith("subject=Feedback on Sample condition")


def test_feedback_link_can_go_to_a_form_and_nowhere_when_unset_with_a_warning(lib, tmp_path):
    add(lib / "site.yaml", "feedback: https://forms.example.org/health-feedback\n")
    _, out = built(lib, tmp_path)
    assert soup(out, f"{SLUG}/index.html").select_one(".feedback a")["href"] == \
        "https://forms.example.org/health-feedback"
    replace_in(lib / "site.yaml", "feedback: https://forms.example.org/health-feedback\n", "")
    real_library(lib)
    _, out = built(lib, tmp_path)
    assert soup(out, f"{SLUG}/index.html").select_one(".feedback") is None
    assert any(p.startswith("site.yaml: warning: there is no 'feedback' address") for p in lines(lib))


def test_a_feedback_setting_that_is_neither_an_address_nor_a_form_is_an_error(lib):
    add(lib / "site.yaml", "feedback: write to us\n")
    assert any(p.startswith(f"site.yaml:{line_of(lib / 'site.yaml', 'feedback:')}: 'feedback' must be an e-mail")
               for p in lines(lib))


# ------------------------------------------------------------------ demonstration notice


def test_a_demonstration_library_says_so_on_every_page_and_a_real_one_on_none(lib, tmp_path):
    _, out = built(lib, tmp_path)
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 8
    for html in pages:
        notice = soup(out, html.relative_to(out).as_posix()).select_one("main > .demo-notice")
        assert notice is not None and "No doctor or nurse has checked or approved" in notice.get_text(), html
    real_library(lib)
    _, out = built(lib, tmp_path)
    assert not any("demo-notice" in p.read_text() for p in out.rglob("*.html"))


def test_the_bundled_library_is_a_demonstration_without_an_invented_reviewer():
    site = (REPO / "site.yaml").read_text(encoding="utf-8")
    assert "\ndemonstration: true" in site
    for folder in (REPO / "content").iterdir():
        if (folder / "condition.yaml").is_file():
            assert "sign_off:" not in (folder / "condition.yaml").read_text(encoding="utf-8"), folder


def test_the_printed_sheet_says_it_is_a_demonstration(built_site):
    import subprocess
    pdfs = sorted(built_site.glob("*/appointment-prep/*.pdf"))
    if not pdfs:
        pytest.skip("the build made no PDFs (WeasyPrint is not installed)")
    for pdf in pdfs:
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
        assert "Demonstration only: no doctor or nurse has checked or approved it." in text, pdf


def test_a_published_page_linking_to_a_draft_is_a_warning(lib):
    shutil.copytree(lib / "content" / SLUG, lib / "content" / "second-condition")
    replace_in(meta(lib, "second-condition"), "title: Sample condition", "title: Second condition")
    add(meta(lib, "second-condition"), "status: draft\n")
    causes = lib / "content" / SLUG / "causes.md"
    replace_in(causes, "Nobody knows", "See [the other one](../second-condition/). Nobody knows")
    warning = (f"content/{SLUG}/causes.md:{line_of(causes, '../second-condition/')}: warning: this links to "
               "'second-condition', which is a draft: the published site will not have it. Remove the link, "
               "or publish that page first.")
    assert warning in lines(lib)
    replace_in(meta(lib, "second-condition"), "status: draft", "status: published")
    assert warning not in lines(lib)


def test_a_broken_link_in_an_editorial_page_is_reported_at_its_line(lib):
    about = lib / "content" / "_pages" / "about.md"
    replace_in(about, "Please do not use it", "See [the list](../no-such-page/). Please do not use it")
    assert f"content/_pages/about.md:{line_of(about, 'no-such-page')}: the link '../no-such-page/' leads to a " \
           "page that does not exist. There is no condition 'no-such-page'. The conditions are: " \
           "../sample-condition/." in lines(lib)


def test_editorial_pages_are_graded_against_the_readability_targets(lib):
    about = lib / "content" / "_pages" / "about.md"
    replace_in(about, "This is a demo.", "This comprehensive informational resource demonstrates "
               "sophisticated organisational capabilities, facilitating administrative evaluation.")
    report = check.run(project(lib), TODAY)
    scores = {s.section: s for s in report.scores if s.condition == "_pages"}
    assert set(scores) == {"about", "how-we-write", "privacy", "accessibility", "contact"}
    assert scores["about"].path == "content/_pages/about.md"
    assert any(p.startswith("content/_pages/about.md:5: warning: this section reads at SMOG grade")
               for p in lines(lib)), lines(lib)


def test_an_editorial_page_with_errors_does_not_hide_the_conditions_problems(lib):
    replace_in(lib / "content" / "_pages" / "about.md", "title: About this library", "title:")
    add(meta(lib), "status: ready\n")
    found = lines(lib)
    assert any(p.startswith("content/_pages/about.md:2: 'title' is empty.") for p in found), found
    assert f"{where(lib, 'status:')} 'status' must be one of: published, draft; got 'ready'." in found


def test_broken_site_settings_add_no_warnings_about_feedback_or_pages(lib):
    real_library(lib)
    (lib / "content" / "_pages" / "privacy.md").unlink()
    add(lib / "site.yaml", "review_cycle_years: 0\n")
    assert lines(lib) == [f"site.yaml:{line_of(lib / 'site.yaml', 'review_cycle_years')}: 'review_cycle_years' "
                          "must be a number from 1 to 10; got '0'."]


def test_the_review_cycle_is_a_whole_number_of_years_from_1_to_10(lib):
    add(lib / "site.yaml", "review_cycle_years: 2.5\n")
    line = line_of(lib / "site.yaml", "review_cycle_years")
    assert lines(lib) == [f"site.yaml:{line}: 'review_cycle_years' must be a whole number of years; got 2.5."]
    replace_in(lib / "site.yaml", "2.5", "11")
    assert lines(lib) == [f"site.yaml:{line}: 'review_cycle_years' must be a number from 1 to 10; got '11'."]


def test_a_published_page_that_lists_a_draft_as_related_is_a_warning_and_the_build_leaves_it_out(lib, tmp_path):
    shutil.copytree(lib / "content" / SLUG, lib / "content" / "second-condition")
    replace_in(meta(lib, "second-condition"), "title: Sample condition", "title: Second condition")
    add(meta(lib, "second-condition"), "status: draft\n")
    add(meta(lib), "related:\n  - second-condition\n")
    assert f"{where(lib, '- second-condition')} warning: 'related' names 'second-condition', which is a draft: " \
           "the published page will not list it until it is published." in lines(lib)
    _, out = built(lib, tmp_path)
    assert "second-condition" not in (out / SLUG / "index.html").read_text()
