"""Which source files changed, for the live preview.

watchfiles watches the folders with the operating system's own notifications (inotify, FSEvents,
ReadDirectoryChangesW, through Rust's notify), or by polling where there are none, and gives the
changed paths on the preview's asyncio loop.
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import watchfiles

OnChange = Callable[[set[Path]], None]
STEP_MS = 10   # a burst of changes is reported this long after its last one (the preview waits more)

# Editors' swap, backup and lock files: never content.
_NOISE_PREFIXES = (".", "#", "~")
_NOISE_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".part")


def is_noise(name: str) -> bool:
    return name.startswith(_NOISE_PREFIXES) or name.endswith(_NOISE_SUFFIXES) or name == "4913"


def _with_files_of_new_folders(paths: set[Path]) -> set[Path]:
    """A folder made with files in it may be reported before they are: its files count as changed."""
    found = set(paths)
    for path in paths:
        if path.is_dir():
            found |= {Path(here, name) for here, _, names in os.walk(path) for name in names if not is_noise(name)}
    return found


class Watcher:
    """Every file under `folders` (new folders included), and the single `files`."""

    def __init__(self, folders: Iterable[Path], files: Iterable[Path] = ()):
        self.folders = tuple(Path(f) for f in folders)
        self.files = {Path(f) for f in files}
        self._stop: asyncio.Event | None = None
        self._tasks: list[asyncio.Task] = []

    def wanted(self, _change, path: str) -> bool:
        p = Path(path)
        return not is_noise(p.name) and (p in self.files or any(p.is_relative_to(f) for f in self.folders))

    def start(self, on_change: OnChange) -> None:
        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # The single files are watched through their folders, which are not watched all the way down.
        for paths, recursive in ((self.folders, True), (tuple({f.parent for f in self.files}), False)):
            if paths:
                self._tasks.append(loop.create_task(self._watch(paths, recursive, on_change)))

    async def _watch(self, paths: tuple[Path, ...], recursive: bool, on_change: OnChange) -> None:
        async for changes in watchfiles.awatch(*paths, watch_filter=self.wanted, recursive=recursive,
                                               step=STEP_MS, stop_event=self._stop):
            on_change(_with_files_of_new_folders({Path(path) for _, path in changes}))

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
