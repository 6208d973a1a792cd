"""Stage 4, write: the only code that touches the output folder.

All files are written into a temporary folder beside the output, then swapped into place in
one step, so a reader (or a killed build) only ever sees the old complete site or the new one.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

from ..util.atomic import atomic_write
from ..errors import BuildError, Problem
from ..util.libc import libc

# Left in every output folder so the build knows the folder is its own to replace. It lists the
# files the build made: a file of anyone else's found there stops the next build instead of
# being deleted with the old site.
MARKER = ".healthlib-site"
_MARKER_HEADER = ("This folder is made by the build and replaced whole on every build.\n"
                  "The files it made (any other file here stops the build, so that it is not lost):\n")
# Threads that make the site's folders and files at commit, from this many top-level folders
# on (see _fill).
WRITE_THREADS = 4
THREADS_FROM = 16


class Writer:
    def __init__(self, out_dir: Path, sources: tuple[Path, ...] = (), project_root: Path | None = None):
        """`sources` (content, templates, static) may not overlap the output at all; the project
        root may hold the output (site/) but never be it."""
        self.out_dir = Path(out_dir).absolute()
        self.sources = tuple(p.resolve() for p in sources)
        self.project_root = project_root.resolve() if project_root else None
        self.files: dict[str, bytes] = {}
        self.reused: set[str] = set()               # files added with the current site's own bytes
        self._current_root: str | None = None       # current()'s "out_dir/", "" when no site is there

    def add(self, path: str, data: bytes, reused: bool = False) -> None:
        """`reused`: `data` was read by current(), so the file is hard-linked, not written."""
        key = _key(path)
        if key in self.files:
            raise BuildError([Problem(key, None, "two pages would be written to this same address. "
                                      "Give one of them another name.")])
        self.files[key] = data
        if reused:
            self.reused.add(key)

    def add_all(self, pages) -> None:
        for path, data in pages:
            self.add(path, data)

    def current(self, path: str) -> bytes | None:
        """The bytes of `path` in the site the build made last time (None if it has no such plain
        file): a rebuild reuses unchanged pages from there rather than render them again. A file
        read here and added back as it is (add(..., reused=True)) is hard-linked, not written."""
        if self._current_root is None:   # looked for once: a rebuild asks for every page
            self._current_root = f"{self.out_dir}/" if (self.out_dir / MARKER).is_file() else ""
        if not self._current_root:
            return None
        return _plain_bytes(self._current_root + _key(path))

    def check_destination(self, every_file: bool = True) -> None:
        """Refuse an output folder that is not ours: the project, its sources, or someone's files.
        `every_file`: also look for files the build did not make (which replacing the site would delete)."""
        out = self.out_dir.resolve()
        clashes = [p for p in self.sources if p.is_relative_to(out) or out.is_relative_to(p)]
        if self.project_root and self.project_root.is_relative_to(out):
            clashes.append(self.project_root)
        if clashes:
            raise BuildError([Problem(str(self.out_dir), None, f"refusing to write the site here: it overlaps "
                                      f"{clashes[0]}. Choose another --out folder, such as 'site'.")])
        if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
            raise BuildError([Problem(str(self.out_dir), None, "refusing to replace this folder: it has files "
                                      f"that the build did not make (no {MARKER} marker). Empty it, or choose "
                                      "another --out folder.")])
        foreign = _not_made(out) if every_file else []
        if foreign:
            raise BuildError([Problem(str(self.out_dir / key), None, "refusing to replace the site: the build did "
                                      "not make this file, and it would be deleted. Move it out of the site "
                                      "folder (it belongs to the build), then build again.") for key in foreign])

    def update(self, changed: dict[str, bytes], removed=()) -> None:
        """Change some files of an output folder this build made, in place: the live preview, which
        re-renders a few pages at a time. Each file is written beside its place and renamed over
        it (os.replace), so a reader never gets a half-written file."""
        # It deletes only files the build made (`removed`), so a file of anyone else's is not at
        # risk: no need to look at every file, which would take longer than the update.
        self.check_destination(every_file=False)
        out = self.out_dir.resolve()
        if not (out / MARKER).is_file():
            raise BuildError([Problem(str(self.out_dir), None, "this folder has no complete site to update. "
                                      "Build it whole first.")])
        writes = {_key(path): data for path, data in changed.items()}
        for key in sorted(writes):
            target = out / key
            if not target.parent.resolve().is_relative_to(out):      # a folder linked out of the site
                raise BuildError([Problem(key, None, "output path must stay inside the site folder.")])
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, writes[key])
        gone = sorted(map(_key, removed))
        for key in gone:
            target = out / key
            target.unlink(missing_ok=True)
            parent = target.parent
            while parent != out and parent.is_dir() and not any(parent.iterdir()):   # emptied folders go too
                parent.rmdir()
                parent = parent.parent
        made = _made(out)
        if made is not None:
            _mark(out, (made | set(writes)) - set(gone))

    @property
    def spare(self) -> Path:
        """Where the site before the current one is kept, beside it. Its unchanged files are hard
        links to the current site's, so it takes little room; the next build updates it into the
        new site, which spares making and deleting every folder (most of a small rebuild's time)."""
        return self.out_dir.with_name(f".{self.out_dir.name}-old")

    def commit(self) -> None:
        self.check_destination()
        parent = self.out_dir.parent
        parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{self.out_dir.name}-new-"
        for stale in parent.glob(prefix + "*"):   # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        try:
            reuse = _made(self.spare) is not None      # only a folder with the build's own marker
            if reuse:
                os.rename(self.spare, tmp)              # onto the empty tmp: now it is ours alone
            current = f"{self.out_dir}/" if (self.out_dir / MARKER).is_file() else None
            _fill(str(tmp), self.files, self.reused, current, reuse)
            _mark(tmp, self.files)
            os.chmod(tmp, 0o755)
            _swap_into_place(tmp, self.out_dir)
            if _made(tmp) is not None:                  # tmp now holds the old site
                os.rename(tmp, self.spare)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _fill(tmp: str, files: dict[str, bytes], reused: set[str], current: str | None, reuse: bool) -> None:
    """Make the folder `tmp` hold exactly `files`. With `reuse`, tmp holds an older site: what the
    new one lacks is removed, and a file already linked to the current site's same bytes stays.
    A file whose bytes the current site has is hard-linked from it, not written again."""
    folders, old = _tree(tmp) if reuse else ({""}, {})
    folders = _remove_unneeded(tmp, files, folders, old)
    by_top: dict[str, set[str]] = {}        # the folders already made, by top-level folder
    for folder in folders:
        by_top.setdefault(folder.partition("/")[0], set()).add(folder)

    def put(top: str, keys: list[str]) -> None:
        made = {"", *by_top.get(top, ())}
        for key in keys:
            folder = key.rpartition("/")[0]
            if folder not in made:
                _make_folders(f"{tmp}/", folder, made)
            target, data = f"{tmp}/{key}", files[key]
            source = current + key if current is not None and (
                key in reused or _plain_bytes(current + key, len(data)) == data) else None
            if key in old:
                if source is not None and old[key] is not None and old[key] == _inode(source):
                    continue
                os.unlink(target)       # never written in place: it may be a link to the current site's
            if source is None or not _link(source, target):
                _write_file(target, data)

    groups: dict[str, list[str]] = {}
    for key in sorted(files):
        top, slash, _ = key.partition("/")
        groups.setdefault(top if slash else "", []).append(key)
    # Making files is the slow part, in the kernel, which lets go of the GIL: folders with new
    # files are filled by several threads; linking is cheap, and threads would only contend.
    fresh = [top for top, keys in groups.items() if top and any(key not in reused for key in keys)]
    threaded = set(fresh) if len(fresh) >= THREADS_FROM else set()
    for top, keys in groups.items():
        if top not in threaded:
            put(top, keys)
    if threaded:
        shares = [fresh[i::WRITE_THREADS] for i in range(WRITE_THREADS)]
        with ThreadPoolExecutor(WRITE_THREADS) as pool:
            list(pool.map(lambda share: [put(top, groups[top]) for top in share], shares))   # re-raises


def _remove_unneeded(tmp: str, files: dict[str, bytes], folders: set[str], old: dict) -> set[str]:
    """Remove the files and folders of `tmp` that `files` does not need; the folders left."""
    needed = {""}
    for key in files:
        folder = key.rpartition("/")[0]
        while folder not in needed:
            needed.add(folder)
            folder = folder.rpartition("/")[0]
    for key in old.keys() - files.keys():
        os.unlink(f"{tmp}/{key}")
    for folder in sorted(folders - needed, key=len, reverse=True):   # emptied above; deepest first
        os.rmdir(f"{tmp}/{folder}")
    return folders & needed


def _tree(root: str) -> tuple[set[str], dict[str, tuple | None]]:
    """The folders and files under `root` (keys; "" is root itself), without following links.
    Each file's (device, inode) when it is a plain file, else None."""
    folders, files, todo = {""}, {}, [""]
    while todo:
        rel = todo.pop()
        with os.scandir(f"{root}/{rel}") as entries:
            for entry in entries:
                key = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.add(key)
                    todo.append(key)
                else:
                    st = entry.stat(follow_symlinks=False)
                    files[key] = (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None
    return folders, files


def _inode(path: str) -> tuple | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _make_folders(root: str, folder: str, made: set[str]) -> None:
    """Make `folder` (a site-relative key) under `root` and any parents not in `made`, once each."""
    parent = folder.rpartition("/")[0]
    if parent not in made:
        _make_folders(root, parent, made)
    os.mkdir(root + folder)
    made.add(folder)


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()   # what write_bytes gives a new file


def _plain_bytes(path: str | Path, size: int | None = None) -> bytes | None:
    """The bytes of a plain file (not a link) with the mode a new file would get (and `size`
    bytes long, if given); None for anything else."""
    try:
        st = os.lstat(path)
        if (not stat.S_ISREG(st.st_mode) or stat.S_IMODE(st.st_mode) != _FILE_MODE
                or (size is not None and st.st_size != size)):
            return None
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _write_file(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


def _link(existing: str, target: str) -> bool:
    try:
        os.link(existing, target)
    except OSError:      # gone, or another file system: write it instead
        return False
    return True


def _mark(folder: Path, keys) -> None:
    (folder / MARKER).write_text(_MARKER_HEADER + "".join(f"{key}\n" for key in sorted(keys)), encoding="utf-8")


def _made(out: Path) -> set[str] | None:
    """The files the marker says the build made; None if there is no list (an older marker)."""
    try:
        text = (out / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return set(text[len(_MARKER_HEADER):].splitlines()) if text.startswith(_MARKER_HEADER) else None


def _not_made(out: Path) -> list[str]:
    """Files in a folder the build made that it did not make itself. Hidden files are left out:
    they are the system's (.DS_Store) or a killed preview update's temporary files."""
    made = _made(out) if out.is_dir() else None
    if made is None:
        return []
    found, todo = [], [""]
    while todo:   # os.scandir's entries know their type: no stat for each, as os.walk makes
        rel = todo.pop()
        try:
            with os.scandir(f"{out}/{rel}") as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    key = rel + entry.name
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(key + "/")
                    else:    # a file, or a link (to a folder, too): the build makes neither
                        found.append(key)
        except OSError:      # unreadable: as os.walk did, look no further there
            continue
    return sorted(set(found) - made)


def _key(path: str) -> str:
    """A page's place in the site, refused if it would leave the site folder."""
    rel = PurePosixPath(path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise BuildError([Problem(path, None, "output path must stay inside the site folder.")])
    return rel.as_posix()


_RENAME_EXCHANGE = 2
_renameat2 = getattr(libc, "renameat2", None)
_AT_FDCWD = -100


def _swap_into_place(new: Path, out: Path) -> None:
    """Make `new` the output folder in one atomic step; the old site ends up at `new`."""
    if not out.exists():
        os.rename(new, out)
        new.mkdir()
        return
    if _renameat2 is not None:
        if _renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(out), _RENAME_EXCHANGE) == 0:
            return
    # No atomic exchange (not Linux, or an old kernel): two renames, the gap between them tiny.
    old = new.with_name(new.name + "-old")
    os.rename(out, old)
    os.rename(new, out)
    os.rename(old, new)
