"""The sheet PDFs of a library: made across processes with the same bytes as one by one, remade
only for a sheet that changed, and a sheet that runs past two pages is a warning naming the
condition, its page counts and its longest lists (pages counted where the PDFs are made)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest

from contentkit import line_of, replace_in
from projectkit import COUNTING_POOLS, REPO, make_project
from test_sheet import _project, pdf_pages

from healthlib import pipeline
from healthlib.publish import pdf
from healthlib.speed import sheets

CONDITIONS = 3

# Builds a project with PDFs in a fresh process (workers are forked only from a process with one
# thread); prints the worker count of every process pool started and a digest of each PDF.
BUILD = COUNTING_POOLS + textwrap.dedent("""
    import concurrent.futures, hashlib, json, sys
    from pathlib import Path
    from healthlib.pipeline import Project, build
    out = Path(sys.argv[2])
    build(Project.at(Path(sys.argv[1])), out, cache_dir=Path(sys.argv[3]), jobs=int(sys.argv[4]))
    pdfs = {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in out.rglob("*.pdf")}
    print(json.dumps({"pools": pools, "pdfs": pdfs}))
""")


def fresh_build(project, out, cache, jobs: int) -> dict:
    done = subprocess.run([sys.executable, "-c", BUILD, str(project.root), str(out), str(cache), str(jobs)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("sheets"), CONDITIONS)


def test_pdfs_made_across_processes_are_the_bytes_of_a_serial_build_and_of_another_build(project, tmp_path):
    serial = fresh_build(project, tmp_path / "serial", tmp_path / "cache-serial", jobs=1)
    assert serial["pools"] == []
    first = fresh_build(project, tmp_path / "parallel", tmp_path / "cache-1", jobs=2)
    assert first["pools"] == [2], "the sheets should be shared between two processes"
    again = fresh_build(project, tmp_path / "again", tmp_path / "cache-2", jobs=2)   # its own, empty cache
    assert len(serial["pdfs"]) == CONDITIONS * len(pdf.PAPERS)
    assert first["pdfs"] == serial["pdfs"] == again["pdfs"]


def _cache_entries(folder):
    return {p.name for p in folder.glob("*.pdf")}


def test_an_edit_to_one_sheet_list_remakes_only_that_conditions_two_pdfs(tmp_path, monkeypatch):
    project = make_project(tmp_path / "project", CONDITIONS)
    out, cache = tmp_path / "site", tmp_path / "cache"
    pipeline.build(project, out, cache_dir=cache, jobs=1)
    before = {p: p.read_bytes() for p in out.rglob("*.pdf")}
    entries = _cache_entries(cache / "pdf")
    made = []
    real_pdf = pdf.Printer.pdf

    def counting(printer, page, paper):
        made.append((page, paper))
        return real_pdf(printer, page, paper)

    monkeypatch.setattr(pdf.Printer, "pdf", counting)
    edited = sorted(p.name for p in project.content.iterdir() if p.is_dir())[1]
    symptoms = project.content / edited / "symptoms.md"
    _add_items(symptoms, ["Itching that comes back every night"])
    pipeline.build(project, out, cache_dir=cache, jobs=1)

    assert made == [(f"{edited}/appointment-prep/index.html", paper) for paper in pdf.PAPERS]
    assert len(_cache_entries(cache / "pdf") - entries) == len(pdf.PAPERS)
    changed = {p.relative_to(out).as_posix() for p, data in before.items() if p.read_bytes() != data}
    assert changed == {f"{edited}/appointment-prep/{paper.filename(edited)}" for paper in pdf.PAPERS}

    made.clear()   # an edit the sheet does not show (the last section) remakes no PDF
    with open(project.content / edited / "key-takeaway.md", "a", encoding="utf-8") as f:
        f.write("\nOne more sentence for the page only.\n")
    pipeline.build(project, out, cache_dir=cache, jobs=1)
    assert made == []


def _add_items(section, items: list[str]) -> None:
    """Add `items` to the first list of a section file, after its first item."""
    first = re.search(r"(?m)^( *)- (?!id: )(.+)$", section.read_text(encoding="utf-8"))
    replace_in(section, first.group(0), first.group(0) + "".join(f"\n{first.group(1)}- {item}" for item in items))


def _lengthen(section, count: int) -> None:
    """Give the section file's first list `count` more items, each long enough to wrap."""
    _add_items(section, [f"Added item number {n} of this list, long enough to need a second line on the sheet"
                         for n in range(1, count + 1)])


def _cli_build(project, out, cache) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "build.py", "build", "--content", str(project.content), "--out", str(out),
                           "--cache", str(cache)], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_a_sheet_past_two_pages_is_a_warning_with_the_condition_its_pages_and_longest_lists(tmp_path):
    project = make_project(tmp_path / "project", 2)
    long_one, short_one = sorted(p.name for p in project.content.iterdir() if p.is_dir())
    _lengthen(project.content / long_one / "symptoms.md", 30)
    out, cache = tmp_path / "site", tmp_path / "cache"
    for run in ("made", "from the cache"):
        done = _cli_build(project, out, cache)
        assert done.returncode == 0, done.stderr
        warnings = [line for line in done.stderr.splitlines() if "appointment sheet" in line]
        assert len(warnings) == 1, (run, done.stderr)
        counted = {paper.label: pdf_pages(out / long_one / "appointment-prep" / paper.filename(long_one))
                   for paper in pdf.PAPERS}
        assert all(pages > 2 for pages in counted.values()), counted
        where, _, message = warnings[0].partition(": warning: ")
        symptoms = project.content / long_one / "symptoms.md"
        first_list = line_of(symptoms, "- id: ")
        assert where == f"{symptoms}:{first_list}", where   # content outside the project: in full
        for label, pages in counted.items():
            assert f"{pages} pages on {label}" in message, (run, message)
        longest = message.split("longest lists: ")[1]
        assert longest.startswith(f"symptoms.md:{first_list} '"), message
        assert "items)" in longest and short_one not in message


def test_the_bundled_sheets_fit_and_give_no_warning(tmp_path):
    result = pipeline.build(_project(tmp_path), tmp_path / "site", jobs=1)
    assert list((tmp_path / "site").rglob("*.pdf"))
    assert not [p for p in result.problems.items if "appointment sheet" in p.message]


def test_the_longest_lists_named_are_those_the_sheet_prints_longest_first(tmp_path):
    project = make_project(tmp_path / "project", 1)
    [slug] = [p.name for p in project.content.iterdir() if p.is_dir()]
    _lengthen(project.content / slug / "treatment.md", 20)   # the longest list, but not on the sheet
    _lengthen(project.content / slug / "symptoms.md", 10)
    pipeline.build(project, tmp_path / "site", pdfs=False)
    [condition] = pipeline.load(project)[0].conditions
    sheet = (tmp_path / "site" / slug / "appointment-prep" / "index.html").read_text(encoding="utf-8")
    lists = sheets.longest_lists(condition, sheet)
    symptoms = condition.section("symptoms").lists[0]
    path = project.content / slug / "symptoms.md"
    assert lists[0] == (path, f"symptoms.md:{line_of(path, '- id: ')}", symptoms.heading, len(symptoms.items)), lists
    assert len(lists) == sheets.LONGEST
    assert not [entry for entry in lists if entry[1].startswith("treatment.md")], lists


def test_a_page_with_its_own_styles_keeps_the_browsers_order_of_its_stylesheets(tmp_path):
    # The linked rule is more specific than the page's <style> rule, so it wins, as in a browser.
    page = "x/appointment-prep/index.html"
    files = {"assets/a.css": b".hide h1 { display: none }",
             page: b'<!DOCTYPE html><html lang="en"><head><title>x</title>'
                   b'<link rel="stylesheet" href="../../assets/a.css"><style>h1 { display: block }</style></head>'
                   b'<body class="hide"><h1>Secret heading</h1><p>Shown text</p></body></html>'}
    made = pdf.Printer(files, "https://example.org/").pdf(page, pdf.PAPERS[0])
    (tmp_path / "x.pdf").write_bytes(made.data)
    text = subprocess.run(["pdftotext", str(tmp_path / "x.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "Shown text" in text and "Secret heading" not in text
