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
    root, styles = pdf.site_root(root_url), pdf.stylesheets(files)
    cache = pdf.Cache(cache_dir)
    pages = [prefix + c.prep_url + "index.html" for c in conditions]
    keys = [[pdf.key(files[page], styles, root, paper) for paper in pdf.PAPERS] for page in pages]
    found = [[cache.get(k, paper) for k, paper in zip(ks, pdf.PAPERS)] for ks in keys]
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
        found[i][p] = made
    cache.prune()
    out = []
    for condition, page, sheets in zip(conditions, pages, found):
        long = [s for s in sheets if s.pages > pdf.MAX_PAGES]
        model = model_of(condition.slug) if long else None
        if model is not None:
            problems.warn(model.folder or model.slug, None, long_sheet(model, files[page], long))
        out += [(prefix + condition.prep_url + s.paper.filename(condition.slug), s.data) for s in sheets]
    return out


def long_sheet(condition: Condition, sheet_html: bytes, long: Sequence[pdf.SheetPdf]) -> str:
    """The warning for a sheet that runs past pdf.MAX_PAGES: its pages, and its longest lists."""
    papers = " and ".join(f"{s.pages} pages on {s.paper.label}" for s in long)
    lists = longest_lists(condition, sheet_html.decode("utf-8"))
    named = " Its longest lists: " + ", ".join(lists) + "." if lists else ""
    return (f"the appointment sheet needs {papers} (it should fit on {pdf.MAX_PAGES}).{named} "
            "Shorten the longest lists or their items, then build again and look at the PDF.")


def longest_lists(condition: Condition, sheet_html: str) -> list[str]:
    """The condition's lists and cards printed on its sheet (each of their items is on it), the
    longest first, each as `file 'heading' (N items)`. Read from the sheet itself, so it follows
    whatever the sheet's template prints."""
    printed = []
    for section in condition.sections:
        where = section.path.name if section.path else section.id
        for group in (*section.lists, *section.cards):
            items = group.items
            if items and all(str(escape(item.plain)) in sheet_html or item.html in sheet_html for item in items):
                printed.append((-len(items), where, group.heading))
    return [f"{where} '{heading}' ({-count} item{'' if count == -1 else 's'})"
            for count, where, heading in sorted(printed)[:LONGEST]]
