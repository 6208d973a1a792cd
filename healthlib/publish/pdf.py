"""Stage 3b, PDFs: each condition's blank appointment sheet as US Letter and A4 PDF files.

WeasyPrint is optional (the `pdf` extra). Without it the build makes no PDFs, links none, and
says so once. It takes about a second a PDF, so every PDF is kept in a cache folder the build
owns (`.cache/pdf/` in the project; safe to delete), named by a sha256 of everything that
shapes it: the sheet's HTML, the site's stylesheets, the paper and the renderer's version.
Nothing here writes the site: PDFs go to the Writer like every other file.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildError, Problem
from ..util.atomic import atomic_write
from ..util.hashing import digest
from ..content.model import Condition

# Bump when this module changes how a PDF is made, so old cache entries are not reused.
CACHE_FORMAT = "sheet-pdf-1"
# Cache entries no build has used for this long are deleted.
UNUSED_DAYS = 30
# Resolves the sheet's relative links when the site has no absolute address of its own.
FALLBACK_ROOT = "https://site.invalid/"


@dataclass(frozen=True)
class Paper:
    id: str        # in file names: "letter"
    label: str     # for readers: "US Letter"
    size: str      # CSS @page size keyword

    def filename(self, slug: str) -> str:
        return f"{slug}-appointment-prep-{self.id}.pdf"


PAPERS = (Paper("letter", "US Letter", "letter"), Paper("a4", "A4", "A4"))


def unavailable() -> str | None:
    """Why this machine cannot make PDFs (one line), or None when it can."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:   # OSError: installed, but Pango could not be loaded
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return (f"PDFs skipped: WeasyPrint is not available ({reason}). To make them, run: "
                ".venv/bin/pip install -e '.[pdf]'")
    return None


def sheet_pdfs(conditions: Iterable[Condition], files: Mapping[str, bytes], root_url: str,
               cache_dir: Path | None) -> Iterator[tuple[str, bytes]]:
    """(site path, PDF bytes) for every paper of every condition's sheet.

    files     the site's files so far (the sheet pages and their stylesheets), by site path
    root_url  the site's address; links in the PDF lead there
    cache_dir where to keep PDFs between builds; None for no cache
    """
    root = root_url if root_url.startswith(("https://", "http://")) else FALLBACK_ROOT
    styles = b"".join(files[p] for p in sorted(files) if p.startswith("assets/") and p.endswith(".css"))
    cache = _Cache(cache_dir)
    for condition in conditions:
        page = condition.prep_url + "index.html"
        for paper in PAPERS:
            key = _key(files[page], styles, root, paper)
            data = cache.get(key)
            if data is None:
                data = render(page, files, root, paper)
                cache.put(key, data)
            yield condition.prep_url + paper.filename(condition.slug), data
    cache.prune()


def render(page: str, files: Mapping[str, bytes], root: str, paper: Paper) -> bytes:
    """One PDF of the site page `page`, laid out on `paper`. Reads only from `files`."""
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class SiteFiles(URLFetcher):
        """Serves the stylesheets from memory: no network, no disk, nothing but the site."""

        def fetch(self, url, headers=None):
            path = url[len(root):].split("#", 1)[0].split("?", 1)[0] if url.startswith(root) else None
            if path not in files:
                raise ValueError(f"{url} is not a file of this site")
            return URLFetcherResponse(url, files[path], {"Content-Type": _mime(path)})

    page_size = weasyprint.CSS(string=f"@page {{ size: {paper.size}; }}")
    quiet = logging.getLogger("weasyprint")
    level = quiet.level
    quiet.setLevel(logging.ERROR)   # not the "ignored property" notes about browser-only CSS
    try:
        html = weasyprint.HTML(string=files[page].decode("utf-8"), base_url=root + page,
                               url_fetcher=SiteFiles(fail_on_errors=True))
        # No dates in the metadata and a fixed identifier: the same sheet gives the same bytes.
        return html.write_pdf(stylesheets=[page_size], pdf_identifier=digest(files[page], paper.id)[:32].encode(),
                              pdf_tags=True)
    except FatalURLFetchingError as exc:
        raise BuildError([Problem(page, None, f"cannot make the {paper.label} PDF: {exc.__cause__ or exc}. "
                                  "Link only files the site publishes.")]) from None
    finally:
        quiet.setLevel(level)


def _mime(path: str) -> str:
    return {"css": "text/css", "svg": "image/svg+xml", "png": "image/png", "woff2": "font/woff2"}.get(
        path.rpartition(".")[2], "application/octet-stream")


def _key(html: bytes, styles: bytes, root: str, paper: Paper) -> str:
    import weasyprint
    return digest(CACHE_FORMAT, weasyprint.__version__, html, styles, root, paper.id, paper.size)


class _Cache:
    """PDFs by key in one folder; writes are atomic, so parallel builds never see half a file."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{key}.pdf"

    def get(self, key: str) -> bytes | None:
        if self.folder is None:
            return None
        path = self._path(key)
        try:
            data = path.read_bytes()
            os.utime(path)          # mark as used, for prune()
        except OSError:
            return None
        return data

    def put(self, key: str, data: bytes) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self._path(key), data)
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
