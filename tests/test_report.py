"""`check --format github` (GitHub Actions annotations) and `check --format html` (the editors'
dashboard, also served by `serve` at /_editor/ and never published)."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from browser import format_violations, open_page, run_axe
from contentkit import REPO, replace_in
import statichost
from healthlib.editor import check, dashboard
from healthlib.errors import ERROR, WARNING, Problem
from healthlib.pipeline import Project
from healthlib.editor.report import github_command
from sitecopy import run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "tiny"
SLUG = "sample-condition"
TODAY = dt.date(2026, 6, 1)

# docs.github.com, "Workflow commands for GitHub Actions": "Setting an error message" and
# "Setting a warning message", with the properties we send (file, and line when there is one).
DOCUMENTED = {"error": "::error file={name},line={line}::{message}",
              "warning": "::warning file={name},line={line}::{message}"}
# The same page: "%" "\r" "\n" are escaped in data; properties also escape ":" and ",".
DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
PROPERTY_ESCAPES = DATA_ESCAPES + ((":", "%3A"), (",", "%2C"))


def escaped(text: str, escapes) -> str:
    for raw, code in escapes:
        text = text.replace(raw, code)
    return text


def documented(kind: str, path: str, line: int | None, message: str) -> str:
    template = DOCUMENTED[kind] if line else DOCUMENTED[kind].replace(",line={line}", "")
    return template.format(name=escaped(path, PROPERTY_ESCAPES), line=line, message=escaped(message, DATA_ESCAPES))


@pytest.fixture
def lib(tmp_path) -> Path:
    lib = Path(shutil.copytree(FIXTURE, tmp_path / "lib"))
    shutil.copytree(REPO / "content" / "_pages", lib / "content" / "_pages")
    return lib


# ------------------------------------------------------------------ GitHub annotations


def test_github_format_prints_one_documented_workflow_command_per_problem(lib):
    replace_in(lib / "content" / SLUG / "faq.yaml", "Will it come back?", "Will it come back")
    replace_in(lib / "content" / SLUG / "causes.md", "Nobody knows", "<script>x</script> Nobody knows")
    (lib / "content" / "_pages" / "contact.md").unlink()
    args = ("check", "--content", str(lib / "content"), "--today", TODAY.isoformat())
    github = run_cli(*args, "--format", "github")
    reference = json.loads(run_cli(*args, "--format", "json").stdout)["problems"]
    expected = [documented(p["severity"], p["path"], p["line"], p["message"]) for p in reference]
    assert {p["severity"] for p in reference} == {"error", "warning"} and any(p["line"] is None for p in reference)
    assert github.stdout.splitlines() == expected
    # The errors: the <script>, and accessibility.md's link to the contact page removed above.
    assert github.returncode == 1 and github.stderr.splitlines()[-1].startswith("Check failed: 2 error(s)")
    strict = run_cli(*args, "--format", "github", "--strict").stdout.splitlines()
    assert strict == [line.replace("::warning ", "::error ", 1) for line in expected]


def test_github_format_escapes_as_github_documents():
    problem = Problem("content/a,b:c.md", 3, "50% done\r\nnext: line", ERROR)
    assert github_command(problem) == "::error file=content/a%2Cb%3Ac.md,line=3::50%25 done%0D%0Anext: line"
    assert github_command(Problem("site.yaml", None, "no address", WARNING)) == "::warning file=site.yaml::no address"


# ------------------------------------------------------------------ the dashboard


def three_kinds(lib: Path) -> Project:
    """A library that is no demonstration, with a draft, an overdue and an unsigned condition."""
    replace_in(lib / "site.yaml", "demonstration: true", "demonstration: false\nfeedback: pages@example.org")
    content = lib / "content"
    for slug, title, extra in (("draft-one", "Draft one", "status: draft\n"),
                               ("overdue-one", "Overdue one", ""),
                               ("signed-one", "Signed one", "sign_off:\n  name: Dr A. Example\n  role: nurse\n"
                                                            "  date: 2026-01-11\n")):
        shutil.copytree(content / SLUG, content / slug)
        meta = content / slug / "condition.yaml"
        replace_in(meta, "title: Sample condition", f"title: {title}")
        meta.write_text(meta.read_text() + extra)
    replace_in(content / "overdue-one" / "condition.yaml", "next_review_due: 2027-01-10", "next_review_due: 2026-05-01")
    return Project(lib, content, REPO / "templates", REPO / "static", lib / "site.yaml")


def test_dashboard_lists_each_condition_by_status_with_sign_off_review_and_problems(lib):
    project = three_kinds(lib)
    html = dashboard.page(check.run(project, TODAY), project, TODAY, pdfs=False)
    soup = BeautifulSoup(html, "html.parser")
    tables = {t.find_previous("h2").get("id"): t for t in soup.select("table.status")}
    assert set(tables) == {"published", "draft"}
    rows = {status: [[" ".join(c.get_text().split()) for c in tr.find_all(["th", "td"])]
                     for tr in table.select("tbody tr")] for status, table in tables.items()}
    assert [r[0] for r in rows["published"]] == ["Overdue one", "Sample condition", "Signed one"]
    assert [r[0] for r in rows["draft"]] == ["Draft one"]
    overdue, sample, signed = rows["published"]
    assert overdue[1] == "Not signed off" and overdue[3] == "Overdue since 2026-05-01"
    assert signed[1] == "Dr A. Example, nurse, 2026-01-11" and sample[3] == "2027-01-10 (in 223 days)"
    details = soup.select_one("h3#c-overdue-one").parent
    assert "content/overdue-one/condition.yaml:" in details.get_text() and "due for review" in details.get_text()
    assert [th.get_text() for th in details.select("table tbody th")][:2] == ["what-it-is", "symptoms"]
    assert "Within" in details.get_text() or "Over target" in details.get_text()


def test_dashboard_counts_the_sheet_pages_of_each_paper(lib):
    pytest.importorskip("weasyprint")
    project = Project(lib, lib / "content", REPO / "templates", REPO / "static", lib / "site.yaml")
    soup = BeautifulSoup(dashboard.page(check.run(project, TODAY), project, TODAY), "html.parser")
    cell = soup.select_one("table.status tbody td[data-label='Sheet pages']").get_text()
    assert re.fullmatch(r"US Letter: [12]; A4: [12]", cell), cell


def test_check_format_html_writes_the_dashboard_to_the_output_file(lib, tmp_path):
    out = tmp_path / "dash.html"
    result = run_cli("check", "--content", str(lib / "content"), "--today", TODAY.isoformat(), "--format", "html",
                     "--output", str(out), "--no-pdf")
    assert result.returncode == 0, result.stderr
    assert "<h1>Editors' dashboard</h1>" in out.read_text() and result.stdout == ""


@pytest.mark.browser
@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_dashboard_has_no_axe_violations_and_fits_320px(browser, lib, tmp_path, color_scheme):
    project = three_kinds(lib)
    folder = tmp_path / "dash" / "_editor"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(dashboard.page(check.run(project, TODAY), project, TODAY, pdfs=False))
    with statichost.serve(folder.parent) as base:
        with open_page(browser, base.rstrip("/") + "/_editor/", color_scheme=color_scheme) as page:
            violations = run_axe(page)
            assert not violations, format_violations(violations)
            assert page.locator("text=Not signed off").count() >= 3 and page.locator("text=Overdue since").count() == 1
        with open_page(browser, base.rstrip("/") + "/_editor/", viewport={"width": 320, "height": 640}) as page:
            assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_serve_shows_the_dashboard_at_editor_and_never_writes_it(lib, tmp_path):
    from servekit import Server
    from test_serve import get
    srv = Server(lib / "content", tmp_path / "preview")
    try:
        status, body = get(srv, "/_editor/")
        assert status == 200 and b"<h1>Editors' dashboard</h1>" in body and b"Sample condition" in body
        assert get(srv, "/_editor")[0] == 200
    finally:
        assert srv.stop() == 0
    assert not list((tmp_path / "preview").rglob("*_editor*"))


def test_editing_an_editorial_page_rebuilds_the_whole_preview(lib, tmp_path):
    from healthlib.editor.serve import Preview
    preview = Preview(Project(lib, lib / "content", REPO / "templates", REPO / "static", lib / "site.yaml"),
                      tmp_path / "preview")
    assert preview.scope([lib / "content" / "_pages" / "about.md"]) is None
    assert preview.scope([lib / "content" / SLUG / "causes.md"]) == {SLUG}


def test_a_dashboard_file_that_cannot_be_written_is_a_clear_error(lib, tmp_path):
    result = run_cli("check", "--content", str(lib / "content"), "--format", "html", "--no-pdf",
                     "--output", str(tmp_path / "no-such-folder" / "dash.html"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"error: cannot write the dashboard to {tmp_path / 'no-such-folder' / 'dash.html'} (No such file or " \
           "directory)." in result.stderr
