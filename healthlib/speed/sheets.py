"""The speed layer for the sheet PDFs: it wraps the PDF stage's one-PDF function
(publish/pdf.Printer.pdf) with the PDF cache and worker processes (parallel.py), one PDF a work
item, in library order: the same bytes as making them one by one. A sheet longer than
pdf.MAX_PAGES is a warning that names the condition and the longest lists it prints.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from markupsafe import escape

from ..content.model import Condition, Listing
from ..errors import BuildError, Problem, Problems
from ..publish import pdf
from .parallel import ordered_imap

# PDFs are slow to make: a pool pays for itself from two.
POOL_FROM = 2
# Lists named in a long sheet's warning.
LONGEST = 3


def sheet_pdfs(conditions: Sequence[Listing], files: Mapping[str, bytes], root_url: str,
               cache_dir: Path | None, problems: Problems, model_of: Callable[[str], Condition | None],
               jobs: int | None = None, prefix: str = "") -> list[tuple[str, bytes]]:
    """(site path, PDF bytes) for every paper of every condition's sheet, in library order.

    files     the site's files so far (the sheet pages and their stylesheets), by site path
    root_url  the site's address; links in the PDF lead there
    cache_dir where to keep PDFs between builds; None for no cache
    problems  gets a warning for each sheet longer than pdf.MAX_PAGES
    model_of  a condition's whole model by slug, for a long sheet's warning
    jobs      processes to make them in (None: every core)
    prefix    the language's folder in the site ("es/"; "" for the main language)
    """
    made = _sheets(conditions, files, root_url, pdf.Cache(cache_dir), problems, model_of, jobs, True, prefix)
    return [(path, sheet.data) for path, sheet in made]


def sheet_pages(conditions: Sequence[Listing], files: Mapping[str, bytes], root_url: str,
                cache_dir: Path | None, problems: Problems, model_of: Callable[[str], Condition | None],
                jobs: int | None = None, prefix: str = "") -> dict[str, int]:
    """The pages of every sheet PDF by site path, counted as sheet_pdfs makes them (the same
    warnings), for `check`: a PDF in the cache is counted from its name, unread; only the
    missing ones are made, and kept for the next build. `prefix`: as sheet_pdfs's."""
    made = _sheets(conditions, files, root_url, pdf.Cache(cache_dir), problems, model_of, jobs, False, prefix)
    return {path: pages for path, pages in made}


def _sheets(conditions, files, root_url, cache: pdf.Cache, problems: Problems, model_of, jobs, read: bool,
            prefix: str = "") -> list:
    """(site path, SheetPdf, or its page count when not `read`) for every paper of every sheet."""
    root, styles = pdf.site_root(root_url), pdf.stylesheets(files)
    pages = [prefix + c.prep_url + "index.html" for c in conditions]
    keys = [[pdf.key(files[page], styles, root, paper) for paper in pdf.PAPERS] for page in pages]
    look = cache.get if read else cache.pages
    found = [[look(k, paper) for k, paper in zip(ks, pdf.PAPERS)] for ks in keys]
    todo = [(i, p) for i, sheets in enumerate(found) for p, sheet in enumerate(sheets) if sheet is None]
    printer = pdf.Printer(files, root)

    def make(item: tuple[int, int]) -> pdf.SheetPdf | list[Problem]:
        # Problems travel back as values: BuildError does not survive pickling between processes.
        try:
            return printer.pdf(pages[item[0]], pdf.PAPERS[item[1]])
        except BuildError as exc:
            return exc.problems

    # One PDF an item: an edited condition's two are made at once, on two cores.
    for (i, p), made in zip(todo, ordered_imap(make, todo, jobs, threshold=POOL_FROM)):
        if isinstance(made, list):
            raise BuildError(made)
        cache.put(keys[i][p], made)
        found[i][p] = made if read else made.pages
    cache.prune()
    out = []
    for condition, page, sheets in zip(conditions, pages, found):
        counts = [(paper, s.pages if read else s) for paper, s in zip(pdf.PAPERS, sheets)]
        long = [(paper, n) for paper, n in counts if n > pdf.MAX_PAGES]
        model = model_of(condition.slug) if long else None
        if model is not None:
            problems.warn(*long_sheet(model, files[page], long))
        out += [(prefix + condition.prep_url + paper.filename(condition.slug), s) for paper, s in zip(pdf.PAPERS, sheets)]
    return out


def long_sheet(condition: Condition, sheet_html: bytes, long: Sequence[tuple[pdf.Paper, int]]) -> tuple:
    """(path, line, message) of the warning for a sheet that runs past pdf.MAX_PAGES: its pages, and
    its longest lists with their file and line; at the longest list, or the condition's folder."""
    papers = " and ".join(f"{pages} pages on {paper.label}" for paper, pages in long)
    lists = longest_lists(condition, sheet_html.decode("utf-8"))
    named = " Its longest lists: " + ", ".join(f"{where} '{heading}' ({count} item{'' if count == 1 else 's'})"
                                               for _, where, heading, count in lists) + "." if lists else ""
    message = (f"the appointment sheet needs {papers} (it should fit on {pdf.MAX_PAGES}).{named} "
               "Shorten the longest lists or their items, or take a list off the sheet ('sheet: no'), "
               "then check again and look at the PDF.")
    folder = condition.folder or condition.slug
    return (lists[0][0], _line(lists[0][1]), message) if lists else (folder, None, message)


def _line(where: str) -> int | None:
    return int(where.rpartition(":")[2]) if ":" in where else None


def longest_lists(condition: Condition, sheet_html: str) -> list[tuple[Path | str, str, str, int]]:
    """The condition's lists and cards printed on its sheet (each of their items is on it), the
    longest first, each as (its file, `file:line` within the folder, its heading, its items).
    Read from the sheet itself, so it follows whatever the sheet's template prints."""
    printed = []
    for section in condition.sections:
        name = section.path.name if section.path else section.id
        for group in (*section.lists, *section.cards):
            items = group.items
            if items and all(str(escape(item.plain)) in sheet_html or item.html in sheet_html for item in items):
                where = f"{name}:{group.line}" if group.line else name
                printed.append((-len(items), len(printed), section.path or name, where, group.heading))
    return [(path, where, heading, -count) for count, _, path, where, heading in sorted(printed)[:LONGEST]]
