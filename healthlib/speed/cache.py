"""`build`'s store for the speed layer (incremental.py): what earlier builds made, on disk.

One SQLite database (`cache.sqlite`, in `.cache/build/` or `--cache DIR`) holds, by key:
  made    a condition's listing, problems and the sha256 of each of its pages; the pages'
          bytes are taken from the current site when they are the very bytes named
  folder  each condition folder's stat signature, so that a folder whose entries keep their
          names, sizes, times and inodes is not read again (git's rule, with its guard
          against changes made in the same clock tick)
Every key holds the code's own hash and the versions of Python and every installed package
(code_version), so the cache never changes the site's bytes, only how fast they come. It is
safe to delete at any time, and pruned after each successful build to what that build used.
It holds pickles: keep it inside the project, as trusted as the code.
"""
from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
import sqlite3
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..util.hashing import digest
from ..content.model import Made

FORMAT = "healthlib-cache-4"   # bump when an entry changes shape without any module changing
DB_FILE = "cache.sqlite"
PENDING_BYTES = 4 * 1024 * 1024   # new entries are written in batches of about this size
RACY_NS = 2_000_000_000           # a file changed this close to when it was read is not trusted


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the build's code and of everything it runs on: every healthlib module, Python,
    and the name and version of every installed distribution."""
    here = Path(__file__).resolve().parent.parent
    parts: list[bytes | str] = [FORMAT, sys.version, os.uname().machine]
    for module in sorted(here.rglob("*.py")):
        parts += [module.relative_to(here).as_posix(), module.read_bytes()]
    for entry in sys.path:
        try:
            parts += sorted(n for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    import yaml
    parts.append(f"libyaml={getattr(yaml, '__with_libyaml__', False)}")
    return digest(*parts)


def folder_key(folder: Path) -> str:
    """Key of everything a condition folder's model is made from: where it is, and the names,
    links and bytes of its entries."""
    parts: list[bytes | str] = [str(folder), os.path.realpath(folder)]
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        return digest(*parts, f"unreadable: {exc}")
    for entry in entries:
        parts.append(entry.name)
        try:
            if entry.is_symlink():
                parts += ["link", os.readlink(entry.path), os.path.realpath(entry.path)]
            parts += ["file", Path(entry.path).read_bytes()] if entry.is_file() else ["not a file"]
        except OSError as exc:
            parts += ["unreadable", str(exc)]
    return digest(*parts)


def folder_signature(folder: Path) -> tuple | None:
    """Everything folder_key depends on but the files' bytes, or None when it cannot vouch for
    them (a symbolic link's target may change unseen)."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        parts: list = [str(folder), os.path.realpath(folder)]
        for entry in entries:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                return None
            parts.append((entry.name, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev))
    except OSError:
        return None
    return tuple(parts)


def _newest(signature: tuple) -> int:
    return max((max(e[3], e[4]) for e in signature[2:]), default=0)


class Store:
    """Entries in `folder`/cache.sqlite; `Store(None)` keeps nothing and finds nothing."""

    def __init__(self, folder: Path | None):
        self.folder = Path(folder).absolute() if folder is not None else None
        self.used: set[str] = set()
        self.hits = self.misses = 0
        self.folders_read = 0                        # condition folders whose files were read
        self._folders: dict[str, tuple] = {}         # folder -> (signature, when taken, key), this build
        self._pending: dict[tuple[str, str], bytes] = {}
        self._pending_bytes = 0
        self._entries: dict[tuple[str, str], bytes] | None = None   # the database, read once

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    # -- keys of condition folders

    def trusted_key(self, folder: Path) -> str | None:
        """The key an earlier build found for `folder`, when its signature still vouches for it."""
        known = self._entry("folder", str(folder))
        if known is None:
            return None
        signature = folder_signature(folder)
        if signature is None or known[0] != signature or _newest(signature) >= known[1] - RACY_NS:
            return None
        self._folders[str(folder)] = known
        return known[2]

    @staticmethod
    def read_key(folder: Path) -> tuple[str, tuple | None]:
        """folder_key(), reading the files, and the record that lets a later build trust it."""
        taken = time.time_ns()     # before looking: a change made after it is not vouched for
        signature = folder_signature(folder)
        key = folder_key(folder)
        return key, ((signature, taken, key) if signature is not None else None)

    def remember(self, folder: Path, key: str, record: tuple | None) -> None:
        self.folders_read += 1
        if record is not None:
            self._folders[str(folder)] = record

    # -- made conditions

    def get(self, key: str, current: Callable[[str], bytes | None]) -> Made | None:
        """The condition made under `key`, its pages read from the current site; None if they
        are not all there as they were made."""
        entry = self._entry("made", key)
        if entry is not None:
            listing, problems, hashes = entry
            pages = [(path, current(path)) for path, _ in hashes]
            if all(data is not None and hashlib.sha256(data).hexdigest() == sha
                   for (_, data), (_, sha) in zip(pages, hashes)):
                return Made(listing, problems, pages if hashes else None, reused=True)
        return None

    def put(self, key: str, made: Made) -> None:
        """Keep what was made under `key` (counted as a miss: it was not found)."""
        if self.folder is not None:
            self.misses += 1
            self.used.add(key)
            self._queue("made", key, (made.listing, made.problems, made.hashes()))

    def keep(self, key: str) -> None:
        """Keep the entry found under `key` (counted as a hit)."""
        self.hits += 1
        self.used.add(key)

    # -- the database

    def _entry(self, kind: str, key: str):
        if self.folder is None:
            return None
        if self._entries is None:
            self._entries = self._read_all()
        data = self._entries.get((kind, key))
        try:
            return pickle.loads(data) if data is not None else None
        except Exception:   # from another version, or damaged: make it again
            return None

    def _read_all(self) -> dict[tuple[str, str], bytes]:
        """Every entry, in one query (a forked worker starts with what the build process read)."""
        try:
            db = sqlite3.connect(f"{(self.folder / DB_FILE).as_uri()}?mode=ro", uri=True, timeout=10)
        except sqlite3.Error:
            return {}
        try:
            return {(kind, key): value for kind, key, value in db.execute("SELECT kind, key, value FROM entry")}
        except sqlite3.Error:   # damaged or locked: start afresh
            return {}
        finally:
            db.close()

    def _queue(self, kind: str, key: str, value) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self._pending[(kind, key)] = data
        self._pending_bytes += len(data)
        if self._pending_bytes > PENDING_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write the entries queued since the last flush. Never raises: a cache that cannot be
        written only makes the next build slower."""
        if self.folder is None or not self._pending:
            return
        rows = [(kind, key, data) for (kind, key), data in sorted(self._pending.items())]
        self._pending, self._pending_bytes = {}, 0
        self._with_database(lambda db: db.executemany("INSERT OR REPLACE INTO entry VALUES (?, ?, ?)", rows))

    def _with_database(self, change: Callable[[sqlite3.Connection], object]) -> None:
        """Run `change` in one write transaction; a damaged database is deleted and made again."""
        for attempt in (1, 2):
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.folder / DB_FILE, timeout=10, isolation_level=None)
                try:
                    db.execute("CREATE TABLE IF NOT EXISTS entry (kind TEXT NOT NULL, key TEXT NOT NULL, "
                               "value BLOB NOT NULL, PRIMARY KEY (kind, key))")
                    db.execute("BEGIN IMMEDIATE")
                    change(db)
                    db.execute("COMMIT")
                    return
                finally:
                    db.close()
            except sqlite3.DatabaseError as exc:
                if attempt == 2 or isinstance(exc, sqlite3.OperationalError):   # "locked" or "full"
                    return
                (self.folder / DB_FILE).unlink(missing_ok=True)
            except OSError:
                return

    def templates_dir(self) -> Path | None:
        """Where Jinja keeps compiled templates for this version of the code (None: nowhere)."""
        if self.folder is None:
            return None
        folder = self.folder / "templates" / code_version()[:32]
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        return folder

    def prune(self) -> None:
        """Keep only what this build used: its conditions, its folders' signatures, and the
        compiled templates of this version of the code."""
        if self.folder is None:
            return
        for folder, record in self._folders.items():
            self._queue("folder", folder, record)
        self.flush()
        for entry in (self.folder / "templates").glob("*"):
            if entry.name != code_version()[:32]:
                shutil.rmtree(entry, ignore_errors=True)

        def unused(db: sqlite3.Connection) -> None:
            gone = [(kind, key) for kind, key in db.execute("SELECT kind, key FROM entry")
                    if key not in (self._folders if kind == "folder" else self.used)]
            db.executemany("DELETE FROM entry WHERE kind = ? AND key = ?", gone)
        self._with_database(unused)
