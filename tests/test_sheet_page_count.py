"""`check` and `build` count each appointment sheet's pages on US Letter and A4 as the PDFs are
made (WeasyPrint, through the PDF cache), and warn above two pages at the longest list's
path:line, naming the longest lists with theirs. End to end through the real command line on
the gout test library (tests/goutkit.py), made to run to three pages as an editor did."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from goutkit import SLUG, add_items, cli, gout_project
from contentkit import line_of, replace_in

from healthlib.editor import check
from healthlib.pipeline import Project
from healthlib.publish import pdf

pytest.importorskip("weasyprint")
SHEET_WARNING = re.compile(r"^(?P<where>\S+): warning: the appointment sheet needs (?P<rest>.*)$", re.M)


def pdfinfo_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.fixture
def long_gout(tmp_path):
    """The gout library with 19 symptoms, each with "Since when?": a three-page sheet."""
    root = gout_project(tmp_path / "project")
    symptoms = root / "content" / SLUG / "symptoms.md"
    add_items(symptoms, 15)
    replace_in(symptoms, "sheet: checkbox", "sheet: since-when")
    return root


def test_check_and_build_warn_about_a_three_page_sheet_at_its_longest_list_with_path_and_line(long_gout, tmp_path):
    symptoms = long_gout / "content" / SLUG / "symptoms.md"
    at = f"content/{SLUG}/symptoms.md:{line_of(symptoms, 'id: attack')}"
    checked = cli(long_gout, "check")
    assert checked.returncode == 0, checked.stderr
    [warning] = SHEET_WARNING.findall(checked.stderr)
    assert warning[0] == at, checked.stderr
    assert "3 pages on US Letter and 3 pages on A4 (it should fit on 2)" in warning[1]
    longest = warning[1].split("Its longest lists: ")[1]
    assert longest.startswith(f"symptoms.md:{line_of(symptoms, 'id: attack')} 'During an attack' (19 items), "
                              f"risk-factors.md:"), longest
    assert "Check passed with" in checked.stderr
    assert cli(long_gout, "check", "--strict").returncode == 1

    built = cli(long_gout, "build", "--out", str(tmp_path / "site"))
    assert built.returncode == 0, built.stderr
    assert SHEET_WARNING.findall(built.stderr) == [warning], built.stderr
    prep = tmp_path / "site" / SLUG / "appointment-prep"
    assert [pdfinfo_pages(prep / paper.filename(SLUG)) for paper in pdf.PAPERS] == [3, 3]


def test_a_long_list_taken_off_the_sheet_ends_the_warning(long_gout):
    replace_in(long_gout / "content" / SLUG / "symptoms.md", "sheet: since-when", "sheet: no")
    checked = cli(long_gout, "check")
    assert checked.returncode == 0 and not SHEET_WARNING.findall(checked.stderr), checked.stderr


def test_check_counts_the_pages_pdfinfo_finds_in_the_built_pdfs_without_making_them_again(long_gout, tmp_path):
    assert cli(long_gout, "build", "--out", str(tmp_path / "site")).returncode == 0
    cache = long_gout / ".cache" / "pdf"
    built = {p.name for p in cache.glob("*.pdf")}
    assert len(built) == len(pdf.PAPERS)
    report = check.run(Project.at(long_gout), check.dt.date(2027, 1, 1))
    prep = tmp_path / "site" / SLUG / "appointment-prep"
    assert report.sheets[SLUG] == {paper.label: pdfinfo_pages(prep / paper.filename(SLUG)) for paper in pdf.PAPERS}
    assert {p.name for p in cache.glob("*.pdf")} == built, "check should count the built PDFs from the cache"

    replace_in(long_gout / "content" / SLUG / "risk-factors.md", "- Being overweight\n", "")
    check.run(Project.at(long_gout), check.dt.date(2027, 1, 1))
    assert len({p.name for p in cache.glob("*.pdf")} - built) == len(pdf.PAPERS), "the changed sheet is made again"


def test_check_without_pdfs_counts_no_pages(long_gout):
    report = check.run(Project.at(long_gout), check.dt.date(2027, 1, 1), pdfs=False)
    assert report.sheets == {} and report.sheets_note is None
    assert not [p for p in report.problems if "appointment sheet" in p.message]


def test_check_without_weasyprint_says_the_sheet_pages_were_not_counted(long_gout):
    # `None` in sys.modules makes `import weasyprint` raise ImportError, as if it were not installed.
    code = "import sys; sys.modules['weasyprint'] = None\nfrom healthlib.cli import main\nraise SystemExit(main(['check']))"
    done = subprocess.run([sys.executable, "-c", code], cwd=long_gout, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert "Sheet pages not counted: PDFs skipped: WeasyPrint is not available" in lines[-3], lines[-3:]
    assert lines[-2].startswith("Check passed")
