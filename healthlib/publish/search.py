"""The search stage (after render, before write): a Pagefind index of the condition pages, made
from the pages in memory; its files go to the writer like every page. Pagefind makes one index
per language, by each page's `<html lang>`, and the search page's pagefind.js reads the one of its
own language.

A page is indexed when its template marks what to index with `data-pagefind-body` (condition
pages only: not the A-Z, whose every entry would match, nor the 404, the search page or the
appointment sheets, whose lists repeat the condition page's and whose other words are form
labels: a search would find each condition twice, once as a blank form). Within a page the
template marks what is left out: the navigation, the sources, the related conditions (their
titles would make this page a result for theirs) and the paragraphs of text and answers. What
is indexed says what a condition is and what it looks like: its names (weighted most), summary,
key points, headings, lists (symptoms, risk factors, ...) and questions; paragraphs would cost
a third more time, memory and size (bench/profile-history.md).

Pagefind's Python API is not used, as it waits for each page's reply in turn and writes the index
itself; this speaks its `--service` protocol to the same binary: JSON in base64, then a comma.
"""
from __future__ import annotations

import base64
import hashlib
import json
import queue
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator

from ..errors import BuildError, Problem

FOLDER = "pagefind"
MARK = b"data-pagefind-body"
# Which pages went into the index, as a hash, and the files it made: a rebuild whose indexed
# pages are the same bytes takes the files from the current site instead of indexing again.
RECORD = f"{FOLDER}/healthlib-index.txt"
# Pagefind's ready-made interfaces: the search page has its own (static/search.js).
UNUSED = ("pagefind-ui.", "pagefind-component-ui.", "pagefind-modular-ui.", "pagefind-highlight.")
FIX = "Install the search indexer: .venv/bin/pip install 'pagefind[bin]==1.5.2' (make build does it)."


def page_url(path: str) -> str:
    """A page's address from the site root, as search results link it: 'a/index.html' -> '/a/'."""
    return "/" + path.removesuffix("index.html")


class SearchIndex:
    """Collects the pages to index as they pass to the writer (`taking`), then makes the index."""

    def __init__(self):
        self.pages: list[tuple[str, bytes]] = []
        self.hash = hashlib.sha256()

    def taking(self, files: Iterable[tuple]) -> Iterator[tuple]:
        """`files` as they are, (path, bytes, ...) each, keeping the pages to index."""
        for file in files:
            path, data = file[0], file[1]
            if path.endswith(".html") and MARK in data:
                self.pages.append((path, data))
                self.hash.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
            yield file

    def files(self, current: Callable[[str], bytes | None]) -> list[tuple[str, bytes, bool]]:
        """The index's files, (path, bytes, whether they are the current site's own), as
        pipeline.site_files gives them; `current` (Writer.current): the site built last."""
        key = f"pagefind {_version()} {self.hash.hexdigest()}"
        reused = _reuse(key, current)
        if reused is not None:
            return reused
        made = [(f"{FOLDER}/{path}", data, False) for path, data in _index(self.pages)
                if not path.startswith(UNUSED)]
        record = "\n".join([key, *(path for path, _, _ in made)]) + "\n"
        return [*made, (RECORD, record.encode(), False)]


def _reuse(key: str, current: Callable[[str], bytes | None]) -> list[tuple[str, bytes, bool]] | None:
    record = current(RECORD)
    lines = record.decode("utf-8", "replace").splitlines() if record else []
    if not lines or lines[0] != key:
        return None
    files = [(path, current(path), True) for path in lines[1:]]
    return None if any(data is None for _, data, _ in files) else [*files, (RECORD, record, True)]


def _version() -> str:
    from importlib import metadata
    return metadata.version("pagefind")


def _index(pages: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Pagefind's files for `pages`, as (path in its folder, bytes)."""
    service = _Service()
    try:
        index_id = service.ask({"type": "NewIndex", "config": None})["index_id"]
        for path, data in pages:   # sent all at once; the replies are read as they come
            service.send({"type": "AddFile", "index_id": index_id, "url": page_url(path),
                          "file_contents": data.decode("utf-8"), "file_path": None})
        for _ in pages:
            service.reply()
        files = service.ask({"type": "GetFiles", "index_id": index_id})["files"]
    finally:
        service.close()
    return sorted((f["path"], _steady(f["path"], base64.b64decode(f["content"]))) for f in files)


ENTRY = "pagefind-entry.json"


def _steady(path: str, data: bytes) -> bytes:
    """Pagefind's entry file with its languages in code order: Pagefind writes them in its hash
    map's order, which differs from run to run once there are two (a deterministic site)."""
    if path != ENTRY:
        return data
    entry = json.loads(data)
    entry["languages"] = dict(sorted(entry.get("languages", {}).items()))
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _Service:
    """`pagefind --service`: requests written in order, replies read by a thread as they come (so
    neither side's pipe fills while the other waits)."""

    def __init__(self):
        from pagefind.service import get_executable
        binary = get_executable()
        if binary is None:
            raise BuildError([Problem(FOLDER, None, f"the search index cannot be made: Pagefind is not installed. {FIX}")])
        self.proc = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.replies: queue.Queue = queue.Queue()
        self.sent = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        buffer = b""
        while chunk := self.proc.stdout.read1(1 << 20):
            buffer += chunk
            *messages, buffer = buffer.split(b",")
            for message in messages:
                self.replies.put(json.loads(base64.b64decode(message)))
        self.replies.put(None)

    def send(self, payload: dict) -> None:
        self.sent += 1
        message = json.dumps({"message_id": self.sent, "payload": payload}).encode()
        try:
            self.proc.stdin.write(base64.b64encode(message) + b",")
        except BrokenPipeError:
            self._failed("Pagefind stopped")

    def reply(self) -> dict:
        self.proc.stdin.flush()
        reply = self.replies.get()
        if reply is None:
            self._failed("Pagefind stopped")
        payload = reply["payload"]
        if payload.get("type") == "Error":
            self._failed(payload.get("message", "unknown error"))
        return payload

    def ask(self, payload: dict) -> dict:
        self.send(payload)
        return self.reply()

    def _failed(self, why: str):
        raise BuildError([Problem(FOLDER, None, f"the search index could not be made: {why}. {FIX}")])

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        # Gone before the build goes on: a build with a second thread forks no workers (the PDFs).
        self.reader.join()
