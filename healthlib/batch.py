"""Every condition's pages for a build: from the current site when the cache shows nothing they
are made from changed, the rest rendered across processes. Same pages, in the same order, as
rendering one by one.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from .cache import Cache, code_version, digest, tree_digest
from .errors import BuildError
from .parallel import ordered_map
from .render import Renderer, az_data

Pages = list[tuple[str, bytes]]


def render_key(renderer: Renderer) -> str:
    """Everything a condition's pages are made from, besides the condition itself.

    A page may show any condition's address, title, other names, summary and review dates (the
    A-Z data), so a change to those re-renders every page; other content of one condition only
    its own. Render options are the renderer's own settings (everything but its library and
    template machinery), so a new option changes the key without being listed here."""
    library = renderer.library
    index = az_data(library)
    options = sorted((k, repr(v)) for k, v in vars(renderer).items() if k not in ("library", "env", "assets"))
    assets = sorted((a.name, a.path) for a in renderer.assets.values())   # paths hold the content hash
    return digest(code_version(), type(renderer).__module__, type(renderer).__qualname__,
                  tree_digest(renderer.templates_dir), repr(assets), repr(options), repr(library.site),
                  repr(library.glossary), repr(index))


def condition_pages(renderer: Renderer, cache: Cache, jobs: int | None = None,
                    current: Callable[[str], bytes | None] | None = None) -> Iterator[Pages]:
    """Each condition's pages, in library order. A generator: nothing is rendered until the first
    is asked for, so template errors surface in the same order as a one-by-one render.

    The cache keeps each page's sha256, not its bytes: `current(path)` (Writer.current) gives the
    bytes the site already has, used when they are the very bytes the cache names."""
    conditions = renderer.library.conditions
    common = render_key(renderer) if cache.enabled and current else None
    keys = [digest(common, cache.condition_keys[c.slug]) if common and c.slug in cache.condition_keys else None
            for c in conditions]

    def in_site(hashes: list[tuple[str, str]]) -> Pages | None:
        pages = [(path, current(path)) for path, _ in hashes]
        ok = all(data is not None and hashlib.sha256(data).hexdigest() == sha for (_, data), (_, sha)
                 in zip(pages, hashes))
        return pages if ok else None

    found: list[Pages | None] = [cache.get("pages", key, in_site) if key else None for key in keys]
    todo = [i for i, pages in enumerate(found) if pages is None]

    def render_one(index: int):
        # Problems travel back as values: BuildError does not survive pickling between processes.
        try:
            return list(renderer.condition_pages(conditions[index])), None
        except BuildError as exc:
            return None, exc.problems

    for i, (pages, problems) in zip(todo, ordered_map(render_one, todo, jobs)):
        if problems is not None:
            raise BuildError(problems)
        found[i] = pages
        if keys[i]:
            cache.put("pages", keys[i], [(path, hashlib.sha256(data).hexdigest()) for path, data in pages])
    yield from found
