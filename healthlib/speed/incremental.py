"""The speed layer: makes each condition once, reusing what an earlier build made.

It wraps the pipeline's per-condition function (pipeline.make_condition) and never reaches
into a stage. A condition's result is keyed by everything it is made from: its folder's files
(cache.folder_key) and what every condition shares (render_key: templates, static files, site
settings, glossary, the build's code). A store keeps results between builds: `cache.Store` on
disk for `build`, `MemoryStore` for `serve`. The rest is made across processes (parallel.py),
in folder order, so the output is the same bytes as a serial build without a store.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .cache import code_version, folder_key
from ..util.hashing import digest, tree_digest
from ..content.model import Made
from .parallel import ordered_imap
from ..publish.render import Renderer

Current = Callable[[str], bytes | None]   # a page's bytes in the site as it is, or None


def render_key(renderer: Renderer) -> str:
    """Everything a condition's pages are made from besides its own folder."""
    assets = sorted((a.name, a.path) for a in renderer.assets.values())   # paths hold the content hash
    # today: a page past its review date says so; every page is made again once a day for it.
    catalog = renderer.catalog.read_bytes() if renderer.catalog and renderer.catalog.is_file() else b""
    return digest(code_version(), tree_digest(renderer.templates_dir), catalog, repr(assets), repr(renderer.pdf_papers),
                  repr(renderer.site), repr(renderer.glossary), repr(renderer.today), renderer.place.key())


@dataclass
class MemoryStore:
    """`serve`'s store: results kept in memory. A folder the watcher saw no change in keeps the
    key it had (`dirty` names the folders that changed; None: trust none)."""

    made: dict[str, Made] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)   # folder -> its key when last made
    dirty: set[str] | None = None
    used: set[str] = field(default_factory=set)
    enabled = True

    def trusted_key(self, folder: Path) -> str | None:
        if self.dirty is None or folder.name in self.dirty:
            return None
        return self.keys.get(str(folder))

    def read_key(self, folder: Path) -> tuple[str, object]:
        return folder_key(folder), None

    def remember(self, folder: Path, key: str, record: object) -> None:
        self.keys[str(folder)] = key

    def get(self, key: str, current: Current) -> Made | None:
        return self.made.get(key)

    def put(self, key: str, made: Made) -> None:
        self.made[key] = made
        self.used.add(key)

    def keep(self, key: str) -> None:
        self.used.add(key)

    def prune(self) -> None:
        """Keep only what the last build used."""
        self.made = {key: made for key, made in self.made.items() if key in self.used}
        self.used = set()


def make_once(key: str, make: Callable[[], Made], store, current: Current) -> Made:
    """make(), or what `store` keeps under `key`."""
    made = store.get(key, current)
    if made is not None:
        store.keep(key)
        return made
    made = make()
    store.put(key, made)
    return made


def make_all(folders: Sequence[Path], make: Callable[[Path], Made], store, shared: str, current: Current,
             jobs: int | None, own: Callable[[Path], str] | None = None) -> list[Made]:
    """[make(folder) for folder in folders], each taken from `store` when its key is there.
    `shared`: the key of what all conditions share (render_key); `own`: what a folder's pages are
    made from besides its files and `shared` (a translation's main-language version)."""
    def full_key(key: str, folder: Path) -> str:
        return digest(shared, key, own(folder)) if own else digest(shared, key)

    keys = [store.trusted_key(folder) for folder in folders]
    full = [full_key(key, folder) if key else None for key, folder in zip(keys, folders)]
    found: list[Made | None] = [store.get(key, current) if key else None for key in full]
    todo = [i for i, made in enumerate(found) if made is None]

    def work(folder: Path):
        key = record = None
        if store.enabled:
            key, record = store.read_key(folder)
            made = store.get(full_key(key, folder), current)
            if made is not None:
                return key, record, made, True
            made = make(folder)
            made.hashes()   # here, in the worker, not in the build process after it
            return key, record, made, False
        return key, record, make(folder), False

    for key, made in zip(full, found):
        if made is not None:
            store.keep(key)
    for i, (key, record, made, hit) in zip(todo, ordered_imap(work, [folders[i] for i in todo], jobs)):
        found[i] = made
        if key is not None:
            store.remember(folders[i], key, record)
            if hit:
                store.keep(full_key(key, folders[i]))
            else:
                store.put(full_key(key, folders[i]), made)
    return found
