"""The build's content cache: work done by an earlier build, found again by the hash of its inputs.

Three kinds of entry, each stored under a sha256 key in one SQLite database
(`cache.sqlite`; SQLite is in Python's standard library):
  condition  what the A-Z index, the sitemap and the keys read of a condition folder's loaded
             model (and its warnings), keyed by the bytes and names of every file in the
             folder, where the folder is, and the build's code
  body       under the same key, the whole model, pickled: read only when a page of that
             condition is rendered again (most of a condition's bytes, so a rebuild reads
             little: the small entries of every kind are read in one query, preload())
  pages      the sha256 of each of a condition's rendered pages, keyed by that condition's key and
             everything else a page is made from: every template and static file, the glossary,
             site settings, the A-Z data of every condition (any page may show it) and the render
             options. The bytes themselves are taken from the current site, when they match.

Reading the files to find a condition's key is itself skipped for a folder whose entries have
the same names, sizes, times and inodes as when an earlier build read them (`folders`, see
folder_signature): git's rule, with its guard against changes made in the same clock tick.

Every key also holds the code's own hash (every healthlib module) and the versions of Python
and of every dependency, so a cached value is exactly what the build would compute now: the
cache can never change the site's bytes, only how fast they come. It lives in a folder the
build owns (`.cache/build/` in the project, or `--cache DIR`), is safe to delete at any time,
and is pruned after each successful build to the entries that build used. It holds pickles:
keep it inside the project, as trusted as the code.

Why one database and not a file per entry: making a file is the dearest thing a cold build
asks of the file system (about 0.3 ms each on an ext4 disk after a recent mass delete, as a
clean rebuild always follows), and a file per entry was 2,000 more of them for 1,000
conditions. New entries are kept in memory and written in one transaction (flush()), by the
build process only; a forked worker opens its own read-only connection. A damaged or
unreadable database counts as empty and is made again.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
import shutil
import sqlite3
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .errors import BuildError, Problem
from .model import Condition
from .sources import read_bytes

# Bump when what an entry holds changes shape without any module's source changing.
FORMAT = "healthlib-cache-3"
KINDS = ("condition", "body", "pages")
# Entries preload() reads; a "body" is read when needed, by its key.
_SMALL_KINDS = ("condition", "pages")
DB_FILE = "cache.sqlite"
OLD_DB_FILE = "entries.sqlite"   # older versions' (a table WITHOUT ROWID, see _with_database)
# New entries wait in memory until flush(); past this many bytes they are written at once, so
# memory stays flat whatever the library's size, and a cold build writes them while its workers
# still run rather than all at the end (0.13 s for 1,000 conditions).
PENDING_BYTES = 4 * 1024 * 1024


def digest(*parts: bytes | str) -> str:
    """sha256 of the parts, each length-prefixed so that ('ab', 'c') != ('a', 'bc')."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the build's code and of everything it runs on: every healthlib module, the Python
    version, and the name and version of every installed distribution (so an upgrade of Jinja,
    Markdown, PyYAML or any other never reuses work done with the old one)."""
    here = Path(__file__).resolve().parent
    parts: list[bytes | str] = [FORMAT, sys.version, os.uname().machine]   # platform.machine(), without its import
    for module in sorted(here.glob("*.py")):
        parts += [module.name, module.read_bytes()]
    parts += _installed()
    import yaml
    parts.append(f"libyaml={getattr(yaml, '__with_libyaml__', False)}")
    return digest(*parts)


def _installed() -> list[str]:
    """'Name-version.dist-info' of every distribution on sys.path (one listdir per folder; reading
    their metadata would cost more than some rebuilds)."""
    found = []
    for entry in sys.path:
        try:
            found += sorted(n for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return found


def folder_key(folder: Path, content: Path, base: Path, keep: dict[str, bytes] | None = None) -> str:
    """Key of everything a condition folder's model is made from (see module docstring).
    `keep` gets the bytes of each plain file read (by path), so that loading need not read it again."""
    parts: list[bytes | str] = _folder_parts(folder, content, base)
    try:
        parts.append(_real_path(folder, content))
        with os.scandir(folder) as scan:     # os.scandir: its entries know their type, no stat each
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        return digest(*parts, f"unreadable: {exc}")
    for entry in entries:
        parts.append(entry.name)
        try:
            if entry.is_symlink():
                parts += ["link", os.readlink(entry.path), os.path.realpath(entry.path)]
            if entry.is_file():
                data = read_bytes(entry.path)
                parts += ["file", data]
                if keep is not None and not entry.is_symlink():
                    keep[entry.path] = data
            else:
                parts.append("not a file")
        except OSError as exc:
            parts += ["unreadable", str(exc)]
    return digest(*parts)


def _folder_parts(folder: Path, content: Path, base: Path) -> list:
    """What a folder's key holds besides its files: shared by folder_key and folder_signature, so
    that a signature always covers everything the key does but the files' bytes."""
    return [code_version(), _resolved(content), _resolved(base), str(folder)]


@functools.lru_cache(maxsize=64)
def _resolved(path: Path) -> str:
    return str(path.resolve())


def _real_path(folder: Path, content: Path) -> str:
    """os.path.realpath(folder). A folder right inside `content` that is not a link is where
    content resolves to, plus its name: one lstat instead of one for every part of the path."""
    parent, _, name = os.fspath(folder).rpartition(os.sep)
    if parent == os.fspath(content) and name not in ("", ".", "..") and not os.path.islink(folder):
        return os.path.join(_resolved(content), name)
    return os.path.realpath(folder)


def tree_digest(*folders: Path) -> str:
    """Hash of the names and bytes of every file under the folders (templates, static)."""
    parts: list[bytes | str] = []
    for folder in folders:
        parts.append(str(folder))
        if folder.is_dir():
            for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                parts += [file.relative_to(folder).as_posix(), file.read_bytes()]
    return digest(*parts)


# What the A-Z index, the sitemap and the cache keys read of a condition: kept unpickled in a
# cache entry; the sections and FAQ (nearly all of a condition) are unpickled only if a page of
# that condition is rendered again.
_AT_HAND = ("slug", "title", "other_names", "summary", "key_points", "last_reviewed", "next_review_due",
            "sources", "folder", "status", "changes")


def pack_condition(condition: Condition, problems: list) -> tuple:
    """A loaded condition and its problems as a cache entry: (A-Z fields, problems, the whole
    condition pickled). Cache.put stores the last as a "body" entry of its own."""
    return ({name: getattr(condition, name) for name in _AT_HAND}, problems,
            pickle.dumps(condition, protocol=pickle.HIGHEST_PROTOCOL))


def unpack_condition(entry: tuple, cache: "Cache | None" = None) -> tuple[Condition, list]:
    """The condition and problems of an entry. An entry from the database (Cache.stored) holds
    its key in place of the pickled condition: that body is read from `cache` when first needed."""
    at_hand, problems, whole = entry
    return CachedCondition.of(at_hand, functools.partial(cache.body, whole) if isinstance(whole, str) else whole), problems


class CachedCondition(Condition):
    """A Condition from the cache, equal to the one the loader would make. Its A-Z fields are
    at hand; the rest is unpickled the first time anything reads it, so a rebuild that renders
    none of its pages never pays for it."""

    @classmethod
    def of(cls, at_hand: dict, whole: bytes | Callable[[], bytes]) -> "CachedCondition":
        """`whole`: the pickled condition, or what reads it."""
        self = object.__new__(cls)
        for name, value in at_hand.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_whole", whole)
        return self

    def __getattr__(self, name: str):   # called only for what is not set yet: sections, faq
        if name not in Condition.__dataclass_fields__:
            raise AttributeError(name)
        whole = object.__getattribute__(self, "_whole")
        whole = pickle.loads(whole if isinstance(whole, bytes) else whole())
        for field in dataclasses.fields(Condition):
            object.__setattr__(self, field.name, getattr(whole, field.name))
        return object.__getattribute__(self, name)

    def __eq__(self, other):
        if isinstance(other, Condition):
            return all(getattr(self, f.name) == getattr(other, f.name) for f in dataclasses.fields(Condition))
        return NotImplemented

    __hash__ = Condition.__hash__

    def __reduce__(self):   # pickles as the plain Condition it stands for
        return Condition, tuple(getattr(self, f.name) for f in dataclasses.fields(Condition))


# Reading every file of every condition folder was most of a small rebuild. A folder whose
# entries have the names, sizes, times and inodes they had when an earlier build read them has
# the key that build computed, as git trusts its index. Not trusted: a folder with a symbolic
# link (its target may change unseen), and one with a file changed less than RACY_NS before that
# build looked (a change in the same clock tick could leave every time as it was).
RACY_NS = 2_000_000_000
FOLDERS_FILE = "folders"    # in the cache folder: folder -> (its stat signature, when taken, key)


def folder_signature(folder: Path, content: Path, base: Path) -> tuple | None:
    """Everything folder_key depends on but the files' bytes, or None when it cannot vouch for them."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        parts: list = [*_folder_parts(folder, content, base), _real_path(folder, content)]
        for entry in entries:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                return None
            parts.append((entry.name, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev))
    except OSError:
        return None
    return tuple(parts)


def _newest(signature: tuple) -> int:
    return max((max(e[3], e[4]) for e in signature[5:]), default=0)


class Cache:
    """Pickled values in `folder`/cache.sqlite by kind and key; `Cache(None)` stores nothing
    and finds nothing."""

    def __init__(self, folder: Path | None):
        self.folder = Path(folder).absolute() if folder is not None else None
        self.used: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self.condition_keys: dict[str, str] = {}   # slug -> folder key, for the render stage
        self.hits = self.misses = 0
        self._folders_before: dict | None = None   # FOLDERS_FILE as the last build left it
        self._folders_now: dict[str, tuple] = {}    # what this build saw, saved by prune()
        self.folders_read = 0                       # condition folders whose files were read
        self._pending: dict[tuple[str, str], bytes] = {}   # put() but not yet flush()ed
        self._small: dict[tuple[str, str], bytes] | None = None   # preload(): _SMALL_KINDS entries
        self._pending_bytes = 0
        self._reader: tuple[int, sqlite3.Connection | None] | None = None   # (pid, connection)

    def trusted_key(self, folder: Path, content: Path, base: Path) -> str | None:
        """The key an earlier build found for `folder`, when the signature of its files still
        vouches for it; None when they must be read (read_key)."""
        if self._folders_before is None:
            self._folders_before = self._read_folders()
        known = self._folders_before.get(str(folder))
        if known is None:
            return None
        signature = folder_signature(folder, content, base)
        if signature is None or known[0] != signature or _newest(signature) >= known[1] - RACY_NS:
            return None
        self._folders_now[str(folder)] = known
        return known[2]

    @staticmethod
    def read_key(folder: Path, content: Path, base: Path, keep: dict[str, bytes] | None = None) -> tuple[str, tuple | None]:
        """folder_key(), reading the files (in a worker process, maybe), and the record that lets
        a later build trust it: give that to remember()."""
        taken = time.time_ns()     # before looking: a change made after it is not vouched for
        signature = folder_signature(folder, content, base)
        key = folder_key(folder, content, base, keep)
        return key, ((signature, taken, key) if signature is not None else None)

    def remember(self, folder: Path, record: tuple | None) -> None:
        self.folders_read += 1
        if record is not None:
            self._folders_now[str(folder)] = record

    def _read_folders(self) -> dict:
        try:
            with open(self.folder / FOLDERS_FILE, "rb") as f:
                found = pickle.load(f)
            return found if isinstance(found, dict) else {}
        except Exception:   # missing, damaged, or from another version: read the files
            return {}

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def get(self, kind: str, key: str, usable: Callable | None = None):
        """The value stored under `key`, or None. A damaged entry counts as missing, and so does
        one that `usable(value)` turns into None (it returns what to use instead of the value)."""
        if self.folder is None:
            return None
        return self.counted(kind, key, self.stored(kind, key), usable)

    def stored(self, kind: str, key: str):
        """The value stored under `key` or None, neither counted nor kept from pruning (a worker
        process may look; the build then tells counted() what it found). A "condition" entry
        holds its key in place of its body (unpack_condition reads the body when needed)."""
        if self.folder is None:
            return None
        data = self._pending.get((kind, key))
        if data is None and self._small is not None and kind in _SMALL_KINDS:
            data = self._small.get((kind, key))
            if data is None:   # preloaded: not in the database
                return None
        if data is None:
            data = self._read(kind, key)
            if data is None:
                return None
        try:
            value = pickle.loads(data)
        except Exception:   # from another version, or damaged: compute it again
            return None
        return (*value, key) if kind == "condition" else value

    def preload(self) -> None:
        """Read every small entry (_SMALL_KINDS) in one query: a rebuild then asks the database
        nothing per condition but the bodies of those it renders again, and a cold build nothing
        at all. Forked workers start with what the build process read."""
        if self.folder is None or self._small is not None:
            return
        self._small = {}
        db = self._read_connection()
        if db is None:
            return
        try:
            rows = db.execute(f"SELECT kind, key, value FROM entry WHERE kind IN {_SMALL_KINDS}").fetchall()
            bodies = {key for key, in db.execute("SELECT key FROM entry WHERE kind = 'body'")}
        except sqlite3.Error:   # damaged: look up each entry (and find none) instead
            self._small = None
            return
        # A condition entry without its body (a database changed by hand) counts as missing.
        self._small = {(kind, key): value for kind, key, value in rows if kind != "condition" or key in bodies}

    def body(self, key: str) -> bytes:
        """The pickled condition stored with the "condition" entry under `key`."""
        data = self._pending.get(("body", key)) or self._read("body", key)
        if data is None:   # it is written and pruned with its entry: only gone if deleted meanwhile
            raise BuildError([Problem(str(self.folder), None, "the build's cache was deleted or damaged while "
                                      "the build was running. Build again.")])
        return data

    def _read(self, kind: str, key: str) -> bytes | None:
        db = self._read_connection()
        if db is None:
            return None
        try:
            row = db.execute("SELECT value FROM entry WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        except sqlite3.Error:   # damaged, or locked too long by another build: compute it again
            return None
        return row[0] if row is not None else None

    def _read_connection(self) -> sqlite3.Connection | None:
        """This process's read-only connection, or None when there is no database yet. Per
        process: a forked worker must not use its parent's connection (SQLite's rule)."""
        pid = os.getpid()
        if self._reader is None or self._reader[0] != pid:
            try:
                db = sqlite3.connect(f"{(self.folder / DB_FILE).as_uri()}?mode=ro", uri=True, timeout=10,
                                     check_same_thread=False)
            except sqlite3.Error:
                db = None
            self._reader = (pid, db)
        return self._reader[1]

    def counted(self, kind: str, key: str, value, usable: Callable | None = None):
        """What get() gives for `value`, found under `key` by stored(): counted, and kept."""
        self.used[kind].add(key)
        if value is not None and usable is not None:
            value = usable(value)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, kind: str, key: str, value) -> None:
        if self.folder is None:
            return
        self.used[kind].add(key)
        if kind == "condition":   # pack_condition's entry: its pickled body is kept apart
            *value, body = value
            self._pending[("body", key)] = body
            self._pending_bytes += len(body)
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self._pending[(kind, key)] = data
        self._pending_bytes += len(data)
        if self._pending_bytes > PENDING_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write the entries put() since the last flush, in one transaction. Never raises: a cache
        that cannot be written only makes the next build slower."""
        if self.folder is None or not self._pending:
            return
        rows = [(kind, key, data) for (kind, key), data in sorted(self._pending.items())]
        if self._small is not None:   # what preload() read stays the database's small entries
            self._small.update(((kind, key), data) for kind, key, data in rows if kind in _SMALL_KINDS)
        self._pending, self._pending_bytes = {}, 0
        self._with_database(lambda db: db.executemany("INSERT OR REPLACE INTO entry VALUES (?, ?, ?)", rows))
        if self._reader is not None and self._reader[1] is None:   # there was no database to read
            self._reader = None

    def _with_database(self, change: Callable[[sqlite3.Connection], object]) -> None:
        """Run `change` in one write transaction; a damaged database is deleted and made again."""
        for attempt in (1, 2):
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.folder / DB_FILE, timeout=10, isolation_level=None)
                try:
                    # An ordinary table: one WITHOUT ROWID keeps each row in its b-tree's own pages,
                    # and a 25 KB body spilled into chains of them (writing 1,000 conditions took
                    # 0.11 s of CPU, 0.05 s now).
                    db.execute("CREATE TABLE IF NOT EXISTS entry (kind TEXT NOT NULL, key TEXT NOT NULL, "
                               "value BLOB NOT NULL, PRIMARY KEY (kind, key))")
                    db.execute("BEGIN IMMEDIATE")
                    change(db)
                    db.execute("COMMIT")
                    return
                finally:
                    db.close()
            except sqlite3.DatabaseError as exc:
                damaged = not isinstance(exc, sqlite3.OperationalError)   # not "locked" or "full"
                if attempt == 2 or not damaged:
                    return
                (self.folder / DB_FILE).unlink(missing_ok=True)
            except OSError:
                return

    def _write_file(self, path: Path, value) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)   # readers see the whole file or none
        except OSError:
            pass   # a cache that cannot be written only makes the next build slower

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
        """Write what is pending, then remove entries this build did not use, and compiled
        templates of other versions of the code."""
        if self.folder is None:
            return
        self.flush()
        if (self.folder / "templates").is_dir():
            for entry in os.scandir(self.folder / "templates"):
                if entry.name != code_version()[:32]:
                    shutil.rmtree(entry.path, ignore_errors=True)
        if self._folders_now:
            self._write_file(self.folder / FOLDERS_FILE, self._folders_now)
        for stale in self.folder.glob(".tmp-*"):   # left by a killed build
            stale.unlink(missing_ok=True)
        (self.folder / OLD_DB_FILE).unlink(missing_ok=True)
        for kind in KINDS:   # a file per entry, as older versions kept them
            shutil.rmtree(self.folder / kind, ignore_errors=True)

        def unused(db: sqlite3.Connection) -> None:
            gone = [(kind, key) for kind, key in db.execute("SELECT kind, key FROM entry")
                    if key not in self.used.get("condition" if kind == "body" else kind, ())]
            db.executemany("DELETE FROM entry WHERE kind = ? AND key = ?", gone)
        if (self.folder / DB_FILE).exists():
            self._with_database(unused)
        self.close()

    def close(self) -> None:
        """Close this process's read connection (a new one opens if the cache is read again)."""
        if self._reader is not None and self._reader[0] == os.getpid() and self._reader[1] is not None:
            self._reader[1].close()
        self._reader = None
