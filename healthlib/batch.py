"""Every condition's pages for a build: rendered where the condition was loaded (EarlyPages), or
from the current site when the cache shows nothing they are made from changed, the rest rendered
across processes. Same pages, in the same order, as rendering one by one.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from . import governance
from .cache import Cache, code_version, digest, tree_digest
from .errors import BuildError
from .load import Alongside
from .model import GlossaryTerm, Library, Site
from .parallel import ordered_map
from .render import Renderer

Pages = list[tuple[str, bytes]]
Hashes = list[tuple[str, str]]   # each page's path and the sha256 of its bytes, as the cache keeps them
Rendered = tuple[Pages | None, Hashes | None, list | None]   # a condition's pages, or the problems that stopped them


def render_key(renderer: Renderer) -> str:
    """Everything a condition's pages are made from, besides the condition itself: templates,
    static files, site settings, glossary and render options (the renderer's own settings, all
    but its library and template machinery, so a new option changes the key without being listed
    here). Not the other conditions: a condition's pages cannot read them (Renderer.render)."""
    library = renderer.library
    # `today` only matters to a page past its review date: condition_pages keys that per condition.
    options = sorted((k, repr(v)) for k, v in vars(renderer).items()
                     if k not in ("library", "env", "assets", "today"))
    assets = sorted((a.name, a.path) for a in renderer.assets.values())   # paths hold the content hash
    return digest(code_version(), type(renderer).__module__, type(renderer).__qualname__,
                  tree_digest(renderer.templates_dir), repr(assets), repr(options), repr(library.site),
                  repr(library.glossary))


def render_condition(renderer: Renderer, condition) -> Rendered:
    # Problems travel back as values: BuildError does not survive pickling between processes.
    # The pages are hashed here, in the worker: in the build process it was 0.05 s of the serial
    # end of a 1,000-condition build.
    try:
        pages = list(renderer.condition_pages(condition))
    except BuildError as exc:
        return None, None, exc.problems
    return pages, [(path, hashlib.sha256(data).hexdigest()) for path, data in pages], None


class EarlyPages(Alongside):
    """A condition's pages, rendered in the process that loads it from its files (load.py), while
    the condition is at hand: it then need not be sent to another process to be rendered. For a
    cold build that is every condition; a condition from the cache is rendered by
    condition_pages, if its pages are not in the current site."""

    def __init__(self, make_renderer: Callable[[Library], Renderer]):
        self.make_renderer = make_renderer
        self.renderer: Renderer | None = None
        self.done: dict[str, Rendered] = {}

    def start(self, site: Site, glossary: tuple[GlossaryTerm, ...]) -> None:
        self.renderer = self.make_renderer(Library(site, (), glossary))

    def __call__(self, condition) -> Rendered:
        return render_condition(self.renderer, condition)


def condition_pages(renderer: Renderer, cache: Cache, jobs: int | None = None,
                    current: Callable[[str], bytes | None] | None = None,
                    early: dict[str, Rendered] | None = None) -> Iterator[Pages]:
    """Each condition's pages, in library order. A generator: nothing is rendered until the first
    is asked for, so template errors surface in the same order as a one-by-one render.
    `early`: pages already rendered, by slug (EarlyPages.done).

    The cache keeps each page's sha256, not its bytes: `current(path)` (Writer.current) gives the
    bytes the site already has, used when they are the very bytes the cache names."""
    conditions = renderer.library.conditions
    early = early or {}
    common = render_key(renderer) if cache.enabled and (current or early) else None
    keys = [digest(common, cache.condition_keys[c.slug], repr(governance.overdue(c, renderer.today)))
            if common and c.slug in cache.condition_keys else None for c in conditions]

    def in_site(hashes: Hashes) -> Pages | None:
        pages = [(path, current(path)) for path, _ in hashes]
        ok = all(data is not None and hashlib.sha256(data).hexdigest() == sha for (_, data), (_, sha)
                 in zip(pages, hashes))
        return pages if ok else None

    found: list[Pages | None] = [None if c.slug in early or not key or not current else cache.get("pages", key, in_site)
                                 for c, key in zip(conditions, keys)]
    todo = [i for i, pages in enumerate(found) if pages is None and conditions[i].slug not in early]
    made = dict(zip(todo, ordered_map(lambda i: render_condition(renderer, conditions[i]), todo, jobs)))
    for i, condition in enumerate(conditions):
        if found[i] is None:
            pages, hashes, problems = made[i] if i in made else early[condition.slug]
            if problems is not None:
                raise BuildError(problems)
            if i not in made and keys[i]:
                cache.counted("pages", keys[i], None)   # a new condition: its pages could not be cached
            found[i] = pages
            if keys[i]:
                cache.put("pages", keys[i], hashes)
        yield found[i]
