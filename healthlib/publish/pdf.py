"""Stage 3b, PDFs: each condition's blank appointment sheet as US Letter and A4 PDF files.

WeasyPrint is optional (the `pdf` extra). Without it the build makes no PDFs, links none, and
says so once. PDFs are slow to make, so every PDF is kept in a cache folder the build owns (`.cache/pdf/` in the project; safe to delete), named by a sha256 of everything
that shapes it: the sheet's HTML, the site's stylesheets, the paper and the renderer's version.
Each entry's name also holds its page count, so a sheet that runs long is reported on every
build, not only the one that made it. Nothing here writes the site: PDFs go to the Writer like
every other file. Which sheets to make, and on how many cores: speed/sheets.py.
"""
from __future__ import annotations

import functools
import gc
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from .i18n import N_
from ..errors import BuildError, Problem
from ..util.atomic import atomic_write
from ..util.hashing import digest

# Bump when this module changes how a PDF is made, so old cache entries are not reused.
CACHE_FORMAT = "sheet-pdf-2"
# Cache entries no build has used for this long are deleted.
UNUSED_DAYS = 30
# Resolves the sheet's relative links when the site has no absolute address of its own.
FALLBACK_ROOT = "https://site.invalid/"
# The pages a sheet is meant to fit on (docs/appointment-sheet.md); a longer one is warned about.
MAX_PAGES = 2


@dataclass(frozen=True)
class Paper:
    id: str        # in file names: "letter"
    label: str     # for readers: "US Letter"
    size: str      # CSS @page size keyword

    def filename(self, slug: str) -> str:
        return f"{slug}-appointment-prep-{self.id}.pdf"


PAPERS = (Paper("letter", N_("US Letter"), "letter"), Paper("a4", N_("A4"), "A4"))


@dataclass(frozen=True)
class SheetPdf:
    paper: Paper
    data: bytes
    pages: int


def unavailable() -> str | None:
    """Why this machine cannot make PDFs (one line), or None when it can."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:   # OSError: installed, but Pango could not be loaded
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return (f"PDFs skipped: WeasyPrint is not available ({reason}). To make them, run: "
                ".venv/bin/pip install -e '.[pdf]'")
    return None


def site_root(root_url: str) -> str:
    """The address the sheets' links lead to: the site's own, or a stand-in when it has none."""
    return root_url if root_url.startswith(("https://", "http://")) else FALLBACK_ROOT


def stylesheets(files: Mapping[str, bytes]) -> bytes:
    """Every stylesheet of the site: part of each PDF's cache key."""
    return b"".join(files[p] for p in sorted(files) if p.startswith("assets/") and p.endswith(".css"))


def key(html: bytes, styles: bytes, root: str, paper: Paper) -> str:
    """The cache key of one PDF: a hash of everything that shapes it."""
    import weasyprint
    return digest(CACHE_FORMAT, weasyprint.__version__, html, styles, root, paper.id, paper.size)


class Printer:
    """Makes sheet PDFs from the site's files (and nothing else), with one WeasyPrint set-up per
    process: the fonts, the site's parsed stylesheets and the paper sizes are made once, not for
    every PDF, and a sheet's HTML is parsed once for its papers, asked for one after the other."""

    def __init__(self, files: Mapping[str, bytes], root: str):
        self.files = files
        self.root = root
        self._pid: int | None = None    # the process the set-up was made in

    def _setup(self) -> None:
        # Made in the process that uses it: a forked worker makes its own.
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration
        self._fonts = FontConfiguration()   # Pango's fonts stay loaded from one sheet to the next
        self._sizes = {p.id: weasyprint.CSS(string=f"@page {{ size: {p.size}; }}", font_config=self._fonts)
                       for p in PAPERS}
        self._parsed: dict[str, object] = {}
        self._last: tuple | None = None     # (page, its parsed HTML, its stylesheets)
        self._pid = os.getpid()

    def pdf(self, page: str, paper: Paper) -> SheetPdf:
        """The site page `page` as a PDF on `paper`. Raises BuildError naming the page."""
        if self._pid != os.getpid():
            self._setup()
        quiet = logging.getLogger("weasyprint")
        level, collecting = quiet.level, gc.isenabled()
        quiet.setLevel(logging.ERROR)   # not the "ignored property" notes about browser-only CSS
        gc.disable()    # the PDF's many reference cycles are freed in one pass at the end
        try:
            return self._pdf(page, paper)
        finally:
            gc.collect(0)
            if collecting:
                gc.enable()
            quiet.setLevel(level)

    def _pdf(self, page: str, paper: Paper) -> SheetPdf:
        from weasyprint.urls import FatalURLFetchingError
        try:
            html, linked = self._page(page)
            document = html.render(font_config=self._fonts, stylesheets=[*linked, self._sizes[paper.id]],
                                   pdf_tags=True)
            # No dates in the metadata and a fixed identifier: the same sheet gives the same bytes.
            data = document.write_pdf(pdf_identifier=digest(self.files[page], paper.id)[:32].encode(),
                                      pdf_tags=True)
            return SheetPdf(paper, data, len(document.pages))
        except FatalURLFetchingError as exc:
            raise BuildError([Problem(page, None, f"cannot make the {paper.label} PDF: {exc.__cause__ or exc}. "
                                      "Link only files the site publishes.")]) from None

    def _page(self, page: str) -> tuple:
        """The page's parsed HTML and stylesheets; the last page's are kept for its next paper."""
        import weasyprint
        if self._last is None or self._last[0] != page:
            fetcher = _site_fetcher()(self.files, self.root)
            html = weasyprint.HTML(string=self.files[page].decode("utf-8"), base_url=self.root + page,
                                   url_fetcher=fetcher)
            self._last = (page, html, self._linked_stylesheets(html, fetcher))
        return self._last[1:]

    def _linked_stylesheets(self, html, fetcher) -> list:
        """The page's linked stylesheets, each parsed once per process. WeasyPrint would parse them
        again for every PDF, so the fetcher hands them to it empty and they are given as the
        document's user stylesheets instead. Only on a page with no styles of its own (a <style>
        element or attribute would rank above user stylesheets); WeasyPrint parses any other."""
        import weasyprint
        if any(el.tag == "style" or "style" in el.attrib for el in html.etree_element.iter()):
            return []
        sheets = []
        for link in html.etree_element.iter("link"):
            rels = link.get("rel", "").lower().split()
            if "stylesheet" not in rels or "alternate" in rels or link.get("media", "all").strip() not in ("all", "print"):
                continue    # left to WeasyPrint, as any link it may not use
            url = urljoin(html.base_url, link.get("href", ""))
            path = fetcher.path(url)
            if path not in self.files:
                continue    # WeasyPrint asks the fetcher for it, which refuses it
            if path not in self._parsed:
                self._parsed[path] = weasyprint.CSS(string=self.files[path].decode("utf-8"), base_url=url,
                                                    url_fetcher=fetcher, font_config=self._fonts)
            sheets.append(self._parsed[path])
            fetcher.empty.add(url)
        return sheets


@functools.cache
def _site_fetcher() -> type:
    """WeasyPrint's URL fetcher for the site's files (a class made once, when WeasyPrint is imported)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SiteFiles(URLFetcher):
        """Serves the site's files from memory: no network, no disk, nothing but the site."""

        def __init__(self, files: Mapping[str, bytes], root: str):
            super().__init__(fail_on_errors=True)
            self.files, self.root = files, root
            self.empty: set[str] = set()    # stylesheets the Printer has parsed itself

        def path(self, url: str) -> str | None:
            return url[len(self.root):].split("#", 1)[0].split("?", 1)[0] if url.startswith(self.root) else None

        def fetch(self, url, headers=None):
            path = self.path(url)
            if path not in self.files:
                raise ValueError(f"{url} is not a file of this site")
            return URLFetcherResponse(url, b"" if url in self.empty else self.files[path],
                                      {"Content-Type": _mime(path)})
    return SiteFiles


def _mime(path: str) -> str:
    return {"css": "text/css", "svg": "image/svg+xml", "png": "image/png", "woff2": "font/woff2"}.get(
        path.rpartition(".")[2], "application/octet-stream")


class Cache:
    """PDFs by key in one folder, as `<key>-<pages>.pdf`; writes are atomic, so parallel builds
    never see half a file. The folder is listed once, so a lookup costs no system call."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._pages: dict[str, int] = {}
        if folder is not None and folder.is_dir():
            for name in os.listdir(folder):
                stem, dash, pages = name.removesuffix(".pdf").rpartition("-")
                if dash and name.endswith(".pdf") and pages.isdigit():
                    self._pages[stem] = int(pages)

    def _path(self, key: str, pages: int) -> Path:
        assert self.folder is not None
        return self.folder / f"{key}-{pages}.pdf"

    def get(self, key: str, paper: Paper) -> SheetPdf | None:
        if key not in self._pages:
            return None
        path = self._path(key, self._pages[key])
        try:
            data = path.read_bytes()
            os.utime(path)          # mark as used, for prune()
        except OSError:
            return None
        return SheetPdf(paper, data, self._pages[key])

    def pages(self, key: str, paper: Paper) -> int | None:
        """The page count of a cached PDF, from its name (nothing read), marked as used."""
        if key not in self._pages:
            return None
        try:
            os.utime(self._path(key, self._pages[key]))     # for prune(), as get() does
        except OSError:
            return None
        return self._pages[key]

    def put(self, key: str, made: SheetPdf) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self._path(key, made.pages), made.data)
            self._pages[key] = made.pages
        except OSError:
            pass                    # a cache that cannot be written only costs time

    def prune(self) -> None:
        if self.folder is None or not self.folder.is_dir():
            return
        cutoff = time.time() - UNUSED_DAYS * 86400
        for path in self.folder.glob("*.pdf"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                pass
