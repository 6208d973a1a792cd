"""The build's content cache: work done by an earlier build, found again by the hash of its inputs.

Two kinds of entry, each a pickle named by a sha256 key:
  condition  a condition folder's loaded model (and its warnings), keyed by the bytes and names
             of every file in the folder, where the folder is, and the build's code
  pages      a condition's rendered pages, keyed by that condition's key and everything else a
             page is made from: every template and static file, the glossary, site settings,
             the A-Z data of every condition (any page may show it) and the render options

Every key also holds the code's own hash (every healthlib module) and the versions of Python
and of every dependency, so a cached value is exactly what the build would compute now: the
cache can never change the site's bytes, only how fast they come. It lives in a folder the
build owns (`.cache/build/` in the project, or `--cache DIR`), is safe to delete at any time,
and is pruned after each successful build to the entries that build used. It holds pickles:
keep it inside the project, as trusted as the code.
"""
from __future__ import annotations

import functools
import hashlib
import os
import pickle
import platform
import re
import sys
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

# Bump when what an entry holds changes shape without any module's source changing.
FORMAT = "healthlib-cache-1"
KINDS = ("condition", "pages")


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
    """Hash of the build's code and of everything it runs on."""
    here = Path(__file__).resolve().parent
    parts: list[bytes | str] = [FORMAT, sys.version, platform.machine()]
    for module in sorted(here.glob("*.py")):
        parts += [module.name, module.read_bytes()]
    for name in _dependencies():
        try:
            parts += [name, metadata.version(name)]
        except metadata.PackageNotFoundError:
            parts += [name, "absent"]
    import yaml
    parts.append(f"libyaml={getattr(yaml, '__with_libyaml__', False)}")
    return digest(*parts)


def _dependencies() -> list[str]:
    try:
        required = metadata.requires("healthlib") or []
    except metadata.PackageNotFoundError:   # run from a checkout that was never installed
        required = []
    names = {re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0].lower() for r in required if "extra ==" not in r}
    return sorted(names | {"markupsafe"})   # markupsafe: Jinja's escaping, not named by us


def folder_key(folder: Path, content: Path, base: Path) -> str:
    """Key of everything a condition folder's model is made from (see module docstring)."""
    parts: list[bytes | str] = [code_version(), _resolved(content), _resolved(base), str(folder)]
    try:
        parts.append(os.path.realpath(folder))
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
                with open(entry.path, "rb") as f:
                    parts += ["file", f.read()]
            else:
                parts.append("not a file")
        except OSError as exc:
            parts += ["unreadable", str(exc)]
    return digest(*parts)


@functools.lru_cache(maxsize=64)
def _resolved(path: Path) -> str:
    return str(path.resolve())


def tree_digest(*folders: Path) -> str:
    """Hash of the names and bytes of every file under the folders (templates, static)."""
    parts: list[bytes | str] = []
    for folder in folders:
        parts.append(str(folder))
        if folder.is_dir():
            for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                parts += [file.relative_to(folder).as_posix(), file.read_bytes()]
    return digest(*parts)


class Cache:
    """Pickled values in `folder`/<kind>/<key>; `Cache(None)` stores nothing and finds nothing."""

    def __init__(self, folder: Path | None):
        self.folder = Path(folder).absolute() if folder is not None else None
        self.used: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self.condition_keys: dict[str, str] = {}   # slug -> folder key, for the render stage
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key

    def get(self, kind: str, key: str):
        """The value stored under `key`, or None. A damaged entry counts as missing."""
        if self.folder is None:
            return None
        self.used[kind].add(key)
        try:
            with open(self._path(kind, key), "rb") as f:
                value = pickle.load(f)
        except FileNotFoundError:
            value = None
        except Exception:   # truncated or from another version: compute it again
            value = None
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, kind: str, key: str, value) -> None:
        if self.folder is None:
            return
        self.used[kind].add(key)
        folder = self.folder / kind
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._path(kind, key))   # readers see the whole entry or none
        except OSError:
            pass   # a cache that cannot be written only makes the next build slower

    def put_many(self, kind: str, items: Iterable[tuple[str, object]]) -> None:
        for key, value in items:
            self.put(kind, key, value)

    def prune(self) -> None:
        """Remove entries this build did not use (and temporary files of killed builds)."""
        if self.folder is None:
            return
        for kind in KINDS:
            folder = self.folder / kind
            if not folder.is_dir():
                continue
            for entry in os.scandir(folder):
                if entry.name not in self.used[kind]:
                    try:
                        os.unlink(entry.path)
                    except OSError:
                        pass
