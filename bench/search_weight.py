#!/usr/bin/env python3
"""The search index of a built site: how long Pagefind takes to make it, its size, the peak
memory of Pagefind's process, and the bytes a reader's first search downloads (in Chromium,
when Playwright is installed).

Usage: python bench/search_weight.py SITE [QUERY]     (prints JSON)
Used by bench/run.py (docs/benchmarks.md).
"""
from __future__ import annotations

import functools
import http.server
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from healthlib.publish import search  # noqa: E402


def index_numbers(site: Path, keep: list | None = None) -> dict:
    """Index the site's condition pages again, as the build does; time, size and peak memory.
    `keep` gets the index's files."""
    pages = [(p.relative_to(site).as_posix(), p.read_bytes()) for p in sorted(site.glob("*/index.html"))]
    pages = [(path, data) for path, data in pages if search.MARK in data]
    started = time.perf_counter()
    files = search._index(pages)
    seconds = time.perf_counter() - started
    if keep is not None:
        keep.extend(files)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)   # Pagefind's process, the only child
    return {"pages": len(pages), "seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "files": len(files), "bytes": sum(len(d) for _, d in files), "peak_mb": usage.ru_maxrss / 1024}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


def first_search(site: Path, query: str) -> dict | None:
    """Bytes fetched from pagefind/ while the search page answers its first query; None
    without Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fetched: dict[str, int] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page()
            page.on("requestfinished", lambda r: fetched.__setitem__(r.url, r.sizes()["responseBodySize"])
                    if "/pagefind/" in r.url else None)
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/search/?q={query}")
            page.wait_for_selector(".search-result", timeout=60_000)
            page.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.shutdown()
    return {"query": query, "requests": len(fetched), "bytes": sum(fetched.values())}


def measure(site: Path, query: str) -> dict:
    """Both, in a fresh process: its peak memory is Pagefind's alone."""
    out = subprocess.run([sys.executable, __file__, str(site), query], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def with_index(site: Path, files: list, into: Path) -> Path:
    """A copy of `site` with the index in pagefind/ (the benchmark builds its sites with --no-search)."""
    shutil.copytree(site, into, symlinks=True)
    for path, data in files:
        (into / search.FOLDER / path).parent.mkdir(parents=True, exist_ok=True)
        (into / search.FOLDER / path).write_bytes(data)
    return into


if __name__ == "__main__":
    site, query = Path(sys.argv[1]), (sys.argv[2] if len(sys.argv) > 2 else "skin")
    files: list = []
    index = index_numbers(site, files)
    with tempfile.TemporaryDirectory() as scratch:
        searched = first_search(with_index(site, files, Path(scratch) / "site"), query)
    print(json.dumps({"index": index, "first_search": searched}))
