"""The build, end to end: read & validate -> model -> render -> write.

Each condition folder is made by one plain function, make_condition (its files in; its model,
problems and pages out). The speed layer (incremental.py: a store of earlier results, and
worker processes) wraps that function; `build`, `serve` and `check` all go through gather().
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from .content import address, care, editorial, governance, languages
from .speed import incremental
from .speed.cache import Store, folder_signature
from .errors import BuildError, Problems
from .util.hashing import digest
from .content.load import CONDITION_FILE, load_condition, load_shared
from .content.model import Condition, Library, Made, Site
from .content.related import check_related
from .publish import alternates, i18n
from .publish.render import Renderer
from .publish.search import SearchIndex
from .output.write import Writer


@dataclass(frozen=True)
class Project:
    """Where a library's sources live. Defaults to the repository layout."""

    root: Path
    content: Path
    templates: Path
    static: Path
    site_file: Path
    locales: Path | None = None    # interface-text catalogs (publish/i18n.py); None: beside the templates

    @property
    def catalogs(self) -> Path:
        """The folder of `.po` files, one a language: the interface's words live beside its templates."""
        return self.locales or self.templates.parent / "locales"

    @classmethod
    def at(cls, root: Path, content: Path | None = None, templates: Path | None = None) -> "Project":
        root = root.absolute()
        return cls(root, (content or root / "content").absolute(), (templates or root / "templates").absolute(),
                   root / "static", root / "site.yaml", root / "locales")

    @property
    def pdf_cache(self) -> Path:
        """Sheet PDFs kept between builds (slow to make); the build owns it, safe to delete."""
        return self.root / ".cache" / "pdf"


@dataclass
class Gathered:
    """Everything read, checked and rendered, before anything is written."""

    library: Library
    problems: Problems
    made: list[Made]            # in folder order
    renderer: Renderer | None   # None when the site settings or glossary have errors
    library_pages: list = field(default_factory=list)   # the A-Z index, 404, sitemap, robots.txt
    left_out: list[str] = field(default_factory=list)   # drafts left out (gather's `drafts=False`)
    editions: list["Gathered"] = field(default_factory=list)   # each language folder's (the main one's only)
    edition: languages.Edition | None = None
    key: str = ""                # what all its conditions' pages share (incremental.render_key ...)
    set_aside: dict[str, list] = field(default_factory=dict)   # address -> its problems (`set_aside=True`)

    @property
    def languages(self) -> list["Gathered"]:
        """The main language's, then each language folder's."""
        return [self, *self.editions]

    @property
    def renderers(self) -> dict[str, Renderer]:
        return {g.edition.language: g.renderer for g in self.languages if g.renderer is not None}


@dataclass
class BuildResult:
    library: Library
    problems: Problems
    files: int
    notes: tuple[str, ...] = ()     # one-line remarks for the person building, e.g. PDFs skipped
    cache: Store | None = None


def make_condition(folder: Path, content: Path, base: Path, renderer: Renderer | None,
                   keep_model: bool = False, titles: dict[str, str] | None = None, site: Site | None = None,
                   translated: bool = False) -> Made:
    """One condition folder: its listing, problems and pages (none when it has errors, or
    without a renderer). `titles`: every condition's title by slug; a condition that lists
    related conditions shows theirs, so without them its pages wait (with_related). `site`: the
    settings its rules read (the review cycle) and its language; `translated`: it is in a
    language folder."""
    problems = Problems(base)
    condition = load_condition(folder, content, problems, site.language if site else "en", translated)
    if condition is not None and site is not None:
        governance.condition_problems(site, condition, problems)
    cared = condition is not None and care.condition_problems(site or Site(), condition, problems)
    if not cared or renderer is None or (condition.related and titles is None):
        return Made(condition and condition.listing(), problems.items, None, condition if keep_model else None)
    try:
        pages = renderer.condition_pages(condition, [(f"{r.slug}/", titles[r.slug]) for r in condition.related
                                                     if r.slug in titles])
    except BuildError as exc:
        problems.extend(exc.problems)
        pages = None
    return Made(condition.listing(), problems.items, pages, condition if keep_model else None)


@contextlib.contextmanager
def _no_cycle_collector():
    """Loading and rendering make no reference cycles (tests/test_memory.py), so the cycle
    collector only slows them; off while they run, in forked workers too."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def gather(project: Project, store=None, *, jobs: int | None = 1, base_url: str | None = None,
           papers: tuple = (), current=lambda path: None, renderers: dict[str, Renderer] | None = None,
           keep_models: bool = False, render: bool = True, drafts: bool = True,
           today: dt.date | None = None, set_aside: bool = False) -> Gathered:
    """Read, validate and render every condition of every language, never raising: problems are
    collected. `store`: earlier results to reuse (incremental.py); `current`: the site's bytes as
    they are; `renderers`: the last gather's (Gathered.renderers) to reuse (serve), when nothing
    but condition folders changed; `render`: False to load and check the models only (no pages);
    `drafts`: False to leave drafts out, with their problems (Gathered.left_out names them);
    `today`: the day review dates are compared with; `set_aside`: True to make the site without the
    conditions that have errors (the preview), their problems in each Gathered.set_aside instead of
    `problems`. The main language's Gathered holds each language folder's in `editions`
    (content/languages.py)."""
    problems = Problems(project.root)
    main = _read_shared(project, None, problems, base_url)
    if not main.ok:
        return Gathered(Library(main.site, (), main.glossary, main.pages), problems, [], None, edition=main.edition)
    shared = [main, *(_read_shared(project, e, problems, base_url, main.site)
                      for e in languages.editions(project.content, main.site, problems)[1:])]
    shared = [one for one in shared if one.ok]    # a language whose settings have errors is not made, nor linked
    versions, read = _versions(project, shared), list(problems.items)
    options = dict(jobs=jobs, papers=papers, current=current, keep_models=keep_models, render=render,
                   drafts=drafts, today=today, store=store or Store(None), renderers=renderers or {},
                   set_aside=set_aside)
    gathered = _gather_languages(project, shared, versions, problems, options)
    published = _versions(project, shared, gathered)
    if len(shared) > 1 and not drafts and published != versions and not problems.errors:
        problems = Problems(project.root)     # made again without links to the drafts left out
        problems.extend(read)
        gathered = _gather_languages(project, shared, published, problems, options)
    if render and (keep_models or not problems.errors):   # `check` makes them anyway, to check the links to them
        try:
            _library_pages(gathered, options["store"], current)
        except BuildError as exc:     # e.g. a template missing: `check` reports it with the rest
            problems.extend(exc.problems)
    first = gathered[0]
    first.editions, first.problems = gathered[1:], problems
    return first


def _gather_languages(project: Project, shared: list[_Shared], versions: alternates.Versions, problems: Problems,
                      options: dict) -> list[Gathered]:
    """Every language's conditions, the main language's first (a translation's stale notice needs them)."""
    gathered = [_gather_edition(project, shared[0], problems, alternates.Place(versions=versions), **options)]
    sources = _sources(project, gathered[0], shared[1:], problems)
    place = functools.partial(alternates.Place, versions=versions, sources=sources,
                              main_language=shared[0].site.language)
    return gathered + [_gather_edition(project, one, problems, place(prefix=one.edition.prefix), **options)
                       for one in shared[1:]]


@dataclass
class _Shared:
    """What every condition of one language is made with: its settings, glossary and editorial pages."""

    edition: languages.Edition
    site: Site
    glossary: tuple
    folders: list[Path]
    pages: tuple
    ok: bool = True       # no errors in the settings or glossary (an editorial page's do not stop the conditions)


def _read_shared(project: Project, edition: languages.Edition | None, problems: Problems, base_url: str | None,
                 main: Site | None = None) -> _Shared:
    errors = len(problems.errors)
    if edition is None:
        site, glossary, folders = load_shared(project.content, project.site_file, problems)
        if base_url:
            site = replace(site, base_url=base_url)
            address.overridden(problems, project.site_file, base_url, site.demonstration)
        edition = languages.Edition(site.language, project.content)
    else:
        site = languages.load_site(edition, main, problems)
        site, glossary, folders = load_shared(edition.content, None, problems, site=site)
    catalog = i18n.catalog_path(project.catalogs, edition.language)
    if i18n.needs_catalog(edition.language) and not catalog.is_file():   # every interface word would be English
        problems.error(catalog, None, f"the language '{edition.language}' has no catalog of the interface's "
                       f"words. Run 'make i18n-init LOCALE={i18n.locale_name(edition.language)}' and translate "
                       "it (docs/translations.md).")
    ok = len(problems.errors) == errors
    taken = {f.name for f in folders} | ({f.name for f in project.content.iterdir() if languages.is_language_folder(f)}
                                         if not edition.translated and project.content.is_dir() else set())
    site, pages = editorial.load_pages(edition.content, site, taken, problems)
    return _Shared(edition, site, glossary, folders, pages, ok)


def _versions(project: Project, shared: list[_Shared], gathered: list[Gathered] = ()) -> alternates.Versions:
    """The library's languages and each one's pages: its condition folders and published editorial
    pages; with `gathered`, the conditions it publishes (drafts left out)."""
    langs = tuple(alternates.language(one.edition.language, one.edition.prefix, project.catalogs) for one in shared)
    left_out = {g.edition.language: set(g.left_out) for g in gathered}
    have = [frozenset({f.name for f in one.folders} - left_out.get(one.edition.language, set())
                      | {p.slug for p in one.pages if p.status == "published"}) for one in shared]
    return alternates.Versions(langs, tuple(have))


def _sources(project: Project, main: Gathered, translated: list[_Shared], problems: Problems):
    """Each translated condition's main-language page as it is now (its version and date), by slug;
    a translation of no main-language condition is an error."""
    listings = {m.listing.slug: m.listing for m in main.made if m.listing is not None}
    out = {}
    for one in translated:
        for folder in one.folders:
            if folder.name in listings:
                out.setdefault(folder.name, alternates.Source(_source_version(project.content / folder.name),
                                                              listings[folder.name].modified))
            elif not (project.content / folder.name).is_dir():
                problems.error(folder, None, f"there is no condition '{folder.name}' in the library's main "
                               f"language (content/{folder.name}/) for this to be a translation of. Name the "
                               "folder like the condition it translates.")
    return tuple(sorted(out.items()))


_VERSIONS: dict[tuple, str] = {}     # source versions by folder signature: `serve` reads again only what changed


def _source_version(folder: Path) -> str:
    signature = folder_signature(folder)
    # A file changed within the last two seconds may change again unseen in the same clock tick.
    if signature is None or time.time_ns() - max((max(e[3], e[4]) for e in signature[2:]), default=0) < 2e9:
        return languages.source_version(folder)
    if signature not in _VERSIONS:
        _VERSIONS[signature] = languages.source_version(folder)
    return _VERSIONS[signature]


def _gather_edition(project: Project, shared: _Shared, problems: Problems, place: alternates.Place, *, store,
                    jobs, papers, current, renderers, keep_models, render, drafts, today, set_aside) -> Gathered:
    """One language's conditions: read, checked and rendered (gather)."""
    site, glossary, folders, edition = shared.site, shared.glossary, shared.folders, shared.edition
    renderer = renderers.get(edition.language)
    if render and (renderer is None or renderer.place.key() != place.key()):
        renderer = Renderer(site, glossary, project.templates, project.static, papers,
                            store.templates_dir() if isinstance(store, Store) else None, today, project.catalogs,
                            place)
    elif render:
        renderer.place = place      # the same pages but for the main-language versions, keyed one by one (own)
    renderer = renderer if render else None
    own = (lambda folder: repr(place.source(folder.name))) if edition.translated else None
    make = functools.partial(make_condition, content=edition.content, base=project.root, renderer=renderer,
                             keep_model=keep_models, site=site, translated=edition.translated)
    key = digest(incremental.render_key(renderer) if renderer else "models only", repr(site), str(project.root),
                 str(edition.content))
    with _no_cycle_collector():
        made = incremental.make_all(folders, make, store, key, current, jobs, own)
    left_out: list[str] = []
    all_folders = folders     # `related:` may name a draft: it exists, and is left out of the pages
    if not drafts:
        folders, made, left_out = governance.without_drafts(folders, made)
    for result in made:
        problems.extend(result.problems)
    listings = [m.model or m.listing for m in made if m.listing is not None]
    check_related(listings, [folder.name for folder in all_folders], problems, edition.content, CONDITION_FILE)
    aside: dict[str, list] = {}
    if set_aside:
        folders, made, listings = _set_aside(folders, made, listings, problems, aside, edition.prefix)
    if renderer is not None and (keep_models or not problems.errors):   # check links every page it can make
        with _no_cycle_collector():
            made = with_related(made, folders, make, store, key, current, jobs, problems, own)
        if set_aside:
            folders, made, listings = _set_aside(folders, made, listings, problems, aside, edition.prefix)
    library = Library(site, tuple(sorted(listings, key=lambda c: (c.title.lower(), c.slug))), glossary, shared.pages)
    return Gathered(library, problems, made, renderer, left_out=left_out, edition=edition, key=key, set_aside=aside)


def _library_pages(gathered: list[Gathered], store, current) -> None:
    """Each language's A-Z, editorial, search and 404 pages; the main language's sitemap lists
    every language's pages."""
    html_paths = [path for g in gathered for m in g.made for path, _ in m.pages or ()]
    others = tuple((g.edition.prefix, g.library) for g in gathered[1:])
    for g in gathered:
        own = [path for m in g.made for path, _ in m.pages or ()]
        paths, more = (html_paths, others) if not g.edition.translated else ([], ())
        pages = incremental.make_once(
            digest(g.key, "library pages", repr([m.listing for m in g.made]), repr(own), repr(g.library.pages),
                   repr(paths if more else ()), repr(more)),
            lambda: Made(None, [], g.renderer.library_pages(g.library, paths, more)), store, current)
        g.library_pages = [(path, data, pages.reused) for path, data in pages.pages]


def _set_aside(folders: list[Path], made: list[Made], listings: list, problems: Problems,
               aside: dict[str, list], prefix: str) -> tuple[list[Path], list[Made], list]:
    """The conditions without errors, and what was made of them; each condition with an error is
    moved, with every problem in its folder, from `problems` into `aside` (by its address, `prefix`
    and its folder's name)."""
    if not problems.errors:     # the usual save: no folder path to resolve
        return folders, made, listings
    where = {problems.relative(folder) + "/": folder.name for folder in folders}

    def slug_of(problem) -> str | None:
        return next((slug for start, slug in where.items() if problem.path.startswith(start)), None)

    broken = {slug_of(p) for p in problems.items if p.is_error} - {None}
    if not broken:
        return folders, made, listings
    for problem in [p for p in problems.items if slug_of(p) in broken]:
        aside.setdefault(prefix + slug_of(problem), []).append(problem)
    problems.items = [p for p in problems.items if slug_of(p) not in broken]
    kept = [(f, m) for f, m in zip(folders, made) if f.name not in broken]
    return [f for f, _ in kept], [m for _, m in kept], [c for c in listings if c.slug not in broken]


def with_related(made: list[Made], folders: list[Path], make, store, shared: str, current, jobs,
                 problems: Problems, own=None) -> list[Made]:
    """`made`, with the pages of the conditions that list related ones, made now that every
    title is known (their rendering's problems added to `problems`). Their key holds every
    title, so a title's change reaches them."""
    waiting = [i for i, m in enumerate(made) if m.listing is not None and m.listing.related]
    if not waiting:
        return made
    titles = {m.listing.slug: m.listing.title for m in made if m.listing is not None}
    again = incremental.make_all([folders[i] for i in waiting], functools.partial(make, titles=titles), store,
                                 digest(shared, "related", repr(sorted(titles.items()))), current, jobs, own)
    made = list(made)
    for i, result in zip(waiting, again):
        problems.extend(p for p in result.problems if p not in made[i].problems)
        made[i] = result
    return made


def site_files(gathered: Gathered) -> list[tuple[str, bytes, bool]]:
    """Every file of the site but the PDFs: (path, bytes, whether the current site has these bytes)."""
    out = [(path, data, made.reused) for g in gathered.languages for made in g.made for path, data in made.pages or ()]
    out += [file for g in gathered.languages for file in g.library_pages]
    return out + [(path, data, False) for path, data in gathered.renderer.static_files()]


def load(project: Project) -> tuple[Library, Problems]:
    """The whole library with every condition's model, for tools and tests. Raises BuildError."""
    gathered = gather(project, keep_models=True, render=False)
    if gathered.problems.errors:
        raise BuildError(gathered.problems.items)
    return gathered.library, gathered.problems


def condition_model(project: Project, slug: str, edition: languages.Edition | None = None) -> Condition | None:
    """One condition's whole model, loaded again from its folder (a build keeps only listings)."""
    content = edition.content if edition else project.content
    return load_condition(content / slug, content, Problems(project.root), edition.language if edition else "en",
                          bool(edition and edition.translated))


def build(project: Project, out_dir: Path, *, pdfs: bool = True, base_url: str | None = None,
          cache_dir: Path | None = None, use_cache: bool = True, jobs: int | None = None,
          search: bool = True, today: dt.date | None = None) -> BuildResult:
    """Build the whole site into `out_dir`. Raises BuildError; the old site is untouched then.
    `cache_dir`: where the build keeps work to reuse (default: .cache/); `use_cache`: False to
    neither read nor write it (same bytes); `jobs`: processes (None: every core); `search`: False
    to make no search index (the search page then says search is not available); `today`: the
    day review dates are compared with. Drafts are left out."""
    caches = Path(cache_dir).absolute() if cache_dir else project.root / ".cache"
    store = Store(caches / "build" if use_cache else None)
    if pdfs:
        from .publish import pdf
        from .speed import sheets
    skipped = pdf.unavailable() if pdfs else None
    papers = pdf.PAPERS if pdfs and not skipped else ()
    writer = Writer(out_dir, sources=(project.content, project.templates, project.static),
                    project_root=project.root)
    try:
        gathered = gather(project, store, jobs=jobs, base_url=base_url, papers=papers, current=writer.current,
                          drafts=False, today=today)
        if gathered.problems.errors:
            raise BuildError(gathered.problems.items)
        for g in gathered.languages:
            governance.links_to_left_out(g.made, g.left_out, functools.partial(condition_model, project,
                                                                               edition=g.edition), gathered.problems)
        writer.check_destination(every_file=False)
        index = SearchIndex()
        files = [*index.taking(site_files(gathered)), *(index.files(writer.current) if search else ())]
        for path, data, reused in files:
            writer.add(path, data, reused)
        library = gathered.library
        for g in gathered.languages if papers else ():
            writer.add_all(sheets.sheet_pdfs(g.library.conditions, writer.files, library.site.base_url,
                                             caches / "pdf" if cache_dir else project.pdf_cache, gathered.problems,
                                             functools.partial(condition_model, project, edition=g.edition), jobs,
                                             prefix=g.edition.prefix))
        writer.commit()
    finally:
        store.flush()   # what was worked out is kept even when the build fails
    store.prune()
    notes = ((skipped,) if skipped else ()) + governance.left_out_note(
        [g.edition.prefix + slug for g in gathered.languages for slug in g.left_out])
    return BuildResult(library, gathered.problems, len(writer.files), notes=notes, cache=store)
