"""Which source files changed, for the live preview.

On Linux the kernel says so (inotify, through ctypes: no extra package), so a save is seen at
once and an idle preview costs nothing. Elsewhere, or when inotify is unavailable, the folders
are scanned a few times a second and compared with the last scan (modification time and size).
Either way the caller gets a set of changed paths on its asyncio loop.
"""
from __future__ import annotations

import asyncio
import ctypes
import os
import struct
import time
from collections.abc import Callable, Iterable
from pathlib import Path

OnChange = Callable[[set[Path]], None]

# Editors' swap, backup and lock files: never content.
_NOISE_PREFIXES = (".", "#", "~")
_NOISE_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".part")


def is_noise(name: str) -> bool:
    return name.startswith(_NOISE_PREFIXES) or name.endswith(_NOISE_SUFFIXES) or name == "4913"


def _report(changed: set[Path], on_change: OnChange) -> None:
    changed = {p for p in changed if not is_noise(p.name)}
    if changed:
        on_change(changed)


class PollingWatcher:
    """Compares (mtime, size) of every file under the folders with the last scan."""

    def __init__(self, folders: Iterable[Path], files: Iterable[Path] = (), interval: float = 0.25):
        self.folders, self.files = tuple(folders), tuple(files)
        self.interval = interval
        self.last = self.snapshot()
        self._handle: asyncio.TimerHandle | None = None

    def snapshot(self) -> dict[str, tuple[int, int]]:
        seen: dict[str, tuple[int, int]] = {}
        stack = [str(f) for f in self.folders]
        while stack:
            try:
                with os.scandir(stack.pop()) as entries:
                    for entry in entries:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        else:
                            self._add(seen, entry.path)
            except OSError:
                continue        # a folder removed while we looked
        for file in self.files:
            self._add(seen, str(file))
        return seen

    @staticmethod
    def _add(seen: dict, path: str) -> None:
        try:
            st = os.stat(path)
        except OSError:
            return
        seen[path] = (st.st_mtime_ns, st.st_size)

    def changes(self) -> set[Path]:
        now = self.snapshot()
        changed = {Path(p) for p in now.keys() ^ self.last.keys()}
        changed |= {Path(p) for p, sig in now.items() if p in self.last and self.last[p] != sig}
        self.last = now
        return changed

    def start(self, on_change: OnChange) -> None:
        loop = asyncio.get_running_loop()

        def tick():
            started = time.perf_counter()
            _report(self.changes(), on_change)
            # A large library takes a while to scan: keep polling from taking most of the time.
            self._handle = loop.call_later(max(self.interval, 5 * (time.perf_counter() - started)), tick)

        self._handle = loop.call_later(self.interval, tick)

    def stop(self) -> None:
        if self._handle:
            self._handle.cancel()


# ------------------------------------------------------------------ Linux inotify

IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
IN_DELETE_SELF, IN_Q_OVERFLOW, IN_IGNORED, IN_ISDIR = 0x400, 0x4000, 0x8000, 0x40000000
_MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
         | IN_DELETE_SELF)
_IN_NONBLOCK, _IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
_EVENT = struct.Struct("iIII")     # wd, mask, cookie, length of the name that follows


class InotifyWatcher:
    """Kernel notifications for every folder under `folders` (new folders included) and `files`."""

    def __init__(self, folders: Iterable[Path], files: Iterable[Path] = ()):
        from ..util.libc import libc
        self._add_watch = libc.inotify_add_watch
        self.fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self.dirs: dict[int, Path] = {}          # watch descriptor -> folder
        self.only: dict[Path, set[str]] = {}      # folder watched for a few files only -> their names
        self.roots = tuple(Path(f) for f in folders)
        try:
            for folder in self.roots:
                self._watch_tree(folder)
            for file in files:
                self.only.setdefault(Path(file).parent, set()).add(Path(file).name)
                self._watch(Path(file).parent)
        except OSError:
            os.close(self.fd)
            raise

    def _watch(self, folder: Path) -> None:
        wd = self._add_watch(self.fd, os.fsencode(folder), _MASK)
        if wd < 0:
            raise OSError(ctypes.get_errno(), f"cannot watch {folder}")
        self.dirs[wd] = folder

    def _watch_tree(self, folder: Path) -> set[Path]:
        """Watch `folder` and every folder in it; return the files found (new ones count as changed)."""
        found = set()
        for here, subdirs, names in os.walk(folder):
            self._watch(Path(here))
            found |= {Path(here, n) for n in names}
        return found

    def changes(self) -> set[Path]:
        """The paths of the events waiting to be read (empty if none)."""
        changed: set[Path] = set()
        while True:
            try:
                data = os.read(self.fd, 64 * 1024)
            except BlockingIOError:
                return changed
            pos = 0
            while pos < len(data):
                wd, mask, _cookie, size = _EVENT.unpack_from(data, pos)
                name = data[pos + _EVENT.size: pos + _EVENT.size + size].rstrip(b"\0").decode(errors="replace")
                pos += _EVENT.size + size
                if mask & IN_Q_OVERFLOW:
                    changed |= set(self.roots)     # events were lost: everything may have changed
                    continue
                folder = self.dirs.get(wd)
                if mask & IN_IGNORED:
                    self.dirs.pop(wd, None)
                    continue
                if folder is None or (folder in self.only and name not in self.only[folder]):
                    continue
                path = folder / name if name else folder
                changed.add(path)
                if mask & IN_ISDIR and mask & (IN_CREATE | IN_MOVED_TO) and folder not in self.only:
                    try:
                        changed |= self._watch_tree(path)
                    except OSError:
                        pass        # gone again already

    def start(self, on_change: OnChange) -> None:
        def readable():
            _report(self.changes(), on_change)

        asyncio.get_running_loop().add_reader(self.fd, readable)

    def stop(self) -> None:
        try:
            asyncio.get_running_loop().remove_reader(self.fd)
        except RuntimeError:
            pass
        os.close(self.fd)


def watcher_for(folders: Iterable[Path], files: Iterable[Path] = ()):
    """inotify where the system has it, else scanning."""
    folders, files = tuple(folders), tuple(files)
    try:
        return InotifyWatcher(folders, files)
    except (OSError, AttributeError):
        return PollingWatcher(folders, files)
