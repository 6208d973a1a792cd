"""Page weight: the bytes a phone downloads for one page, and what blocks its first paint.

Counts the page's HTML, every stylesheet it links and every script it loads, raw and
gzip-compressed (level 9, as a web server would send them). A request is render-blocking when
the browser must fetch it before it can show the page: a stylesheet link (unless its media is
only print), a script with src and neither async nor defer nor type=module, and any @import
inside a blocking stylesheet.

Used by bench/run.py (docs/benchmarks.md) and tests/test_page_weight.py (the budgets).
"""
from __future__ import annotations

import gzip
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
PAGE = "calciphylaxis/index.html"
# The budgets, in bytes (1 KB = 1,000 bytes, the stricter reading).
BUDGET_RAW = 60_000
BUDGET_GZIP = 15_000


@dataclass
class Weight:
    html_raw: int
    html_gzip: int
    css_raw: int = 0
    css_gzip: int = 0
    js_raw: int = 0
    js_gzip: int = 0
    blocking: list[str] = field(default_factory=list)

    @property
    def raw(self) -> int:
        return self.html_raw + self.css_raw + self.js_raw

    @property
    def gzip(self) -> int:
        return self.html_gzip + self.css_gzip + self.js_gzip


class _Requests(HTMLParser):
    def __init__(self):
        super().__init__()
        self.styles: list[tuple[str, bool]] = []    # (href, blocking)
        self.scripts: list[tuple[str, bool]] = []   # (src, blocking)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and "stylesheet" in (a.get("rel") or "").lower().split() and a.get("href"):
            media = (a.get("media") or "all").strip().lower()
            self.styles.append((a["href"], media != "print"))
        elif tag == "script" and a.get("src"):
            deferred = "async" in a or "defer" in a or (a.get("type") or "").lower() == "module"
            self.scripts.append((a["src"], not deferred))


_IMPORT = re.compile(rb"@import\s+(?:url\()?\s*['\"]?([^'\")\s;]+)")


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def _local(site: Path, page: str, href: str) -> Path:
    if re.match(r"^[a-z][a-z0-9+.-]*:|^//", href, re.I):
        raise ValueError(f"{page} loads {href} from another site; a page must load only its own files")
    target = PurePosixPath(href.split("#")[0].split("?")[0])
    base = PurePosixPath(page).parent
    return site / (target.relative_to("/") if target.is_absolute() else base / target)


def page_weight(site: Path | None = None, page: str = PAGE) -> Weight:
    """Weigh `page` of the built `site` (default: build content/ into a temporary folder)."""
    if site is None:
        with tempfile.TemporaryDirectory() as tmp:
            return page_weight(build_site(Path(tmp) / "site"), page)
    html = (site / page).read_bytes()
    requests = _Requests()
    requests.feed(html.decode("utf-8"))
    w = Weight(len(html), _gz(html))
    for href, blocks in requests.styles:
        css = _local(site, page, href).read_bytes()
        w.css_raw, w.css_gzip = w.css_raw + len(css), w.css_gzip + _gz(css)
        if blocks:
            w.blocking += [href, *(m.decode() for m in _IMPORT.findall(css))]
    for src, blocks in requests.scripts:
        js = _local(site, page, src).read_bytes()
        w.js_raw, w.js_gzip = w.js_raw + len(js), w.js_gzip + _gz(js)
        if blocks:
            w.blocking.append(src)
    return w


def no_pdf_option() -> list[str]:
    """['--no-pdf', '--no-search'] where the build has them: page weight and the comparison with
    generators that make no PDFs and (but MkDocs) no search index are about the pages. The index is
    timed on its own (the "Search index" section)."""
    help_text = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--help"],
                               capture_output=True, text=True, check=True).stdout
    return [option for option in ("--no-pdf", "--no-search") if option in help_text]


def build_site(out: Path) -> Path:
    """Build the repository's content/ into `out` with the real command line; return `out`."""
    subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--out", str(out), *no_pdf_option()],
                   check=True, capture_output=True)
    return out
