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
from dataclasses import dataclass, field, replace
from pathlib import Path

from .content import address, care, editorial, governance
from .speed import incremental
from .speed.cache import Store
from .errors import BuildError, Problems
from .util.hashing import digest
from .content.load import CONDITION_FILE, load_condition, load_shared
from .content.model import Condition, Library, Made, Site
from .content.related import check_related
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

    @classmethod
    def at(cls, root: Path, content: Path | None = None, templates: Path | None = None) -> "Project":
        root = root.absolute()
        return cls(root, (content or root / "content").absolute(), (templates or root / "templates").absolute(),
                   root / "static", root / "site.yaml")

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
    set_aside: dict[str, list] = field(default_factory=dict)   # slug -> its problems (`set_aside=True`)


@dataclass
class BuildResult:
    library: Library
    problems: Problems
    files: int
    notes: tuple[str, ...] = ()     # one-line remarks for the person building, e.g. PDFs skipped
    cache: Store | None = None


def make_condition(folder: Path, content: Path, base: Path, renderer: Renderer | None,
                   keep_model: bool = False, titles: dict[str, str] | None = None, site: Site | None = None) -> Made:
    """One condition folder: its listing, problems and pages (none when it has errors, or
    without a renderer). `titles`: every condition's title by slug; a condition that lists
    related conditions shows theirs, so without them its pages wait (with_related). `site`: the
    settings its rules read (the review cycle)."""
    problems = Problems(base)
    condition = load_condition(folder, content, problems)
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
           papers: tuple = (), current=lambda path: None, renderer: Renderer | None = None,
           keep_models: bool = False, render: bool = True, drafts: bool = True,
           today: dt.date | None = None, set_aside: bool = False) -> Gathered:
    """Read, validate and render every condition, never raising: problems are collected.
    `store`: earlier results to reuse (incremental.py); `current`: the site's bytes as they are;
    `renderer`: one to reuse (serve), when nothing but condition folders changed; `render`:
    False to load and check the models only (no pages); `drafts`: False to leave drafts out, with
    their problems (Gathered.left_out names them); `today`: the day review dates are compared with;
    `set_aside`: True to make the site without the conditions that have errors (the preview), their
    problems in Gathered.set_aside instead of `problems`."""
    problems = Problems(project.root)
    site, glossary, folders = load_shared(project.content, project.site_file, problems)
    shared_errors = bool(problems.errors)     # an editorial page's errors do not stop the conditions' checks
    site, editorial_pages = editorial.load_pages(project.content, site, {f.name for f in folders}, problems)
    if base_url:
        site = replace(site, base_url=base_url)
        address.overridden(problems, project.site_file, base_url, site.demonstration)
    if shared_errors:
        return Gathered(Library(site, (), glossary, editorial_pages), problems, [], None)
    store = store or Store(None)
    if render and renderer is None:
        renderer = Renderer(site, glossary, project.templates, project.static, papers,
                            store.templates_dir() if isinstance(store, Store) else None, today)
    make = functools.partial(make_condition, content=project.content, base=project.root, renderer=renderer,
                             keep_model=keep_models, site=site)
    shared = digest(incremental.render_key(renderer) if renderer else "models only", repr(site), str(project.root),
                    str(project.content))
    with _no_cycle_collector():
        made = incremental.make_all(folders, make, store, shared, current, jobs)
    left_out: list[str] = []
    all_folders = folders     # `related:` may name a draft: it exists, and is left out of the pages
    if not drafts:
        folders, made, left_out = governance.without_drafts(folders, made)
    for result in made:
        problems.extend(result.problems)
    listings = [m.model or m.listing for m in made if m.listing is not None]
    check_related(listings, [folder.name for folder in all_folders], problems, project.content, CONDITION_FILE)
    aside: dict[str, list] = {}
    folders, made, listings = _set_aside(folders, made, listings, problems, aside) if set_aside else (
        folders, made, listings)
    if renderer is not None and not problems.errors:
        with _no_cycle_collector():
            made = with_related(made, folders, make, store, shared, current, jobs, problems)
        folders, made, listings = _set_aside(folders, made, listings, problems, aside) if set_aside else (
            folders, made, listings)
    library = Library(site, tuple(sorted(listings, key=lambda c: (c.title.lower(), c.slug))), glossary,
                      editorial_pages)
    gathered = Gathered(library, problems, made, renderer, left_out=left_out, set_aside=aside)
    if renderer is not None and not problems.errors:
        gathered.library_pages = _library_pages(renderer, library, made, shared, store, current)
    return gathered


def _library_pages(renderer: Renderer, library: Library, made: list[Made], shared: str, store, current) -> list:
    """The A-Z index, editorial pages, search page, 404, sitemap and robots.txt: (path, bytes, reused)."""
    html_paths = [path for m in made for path, _ in m.pages or ()]
    pages = incremental.make_once(
        digest(shared, "library pages", repr([m.listing for m in made]), repr(html_paths), repr(library.pages)),
        lambda: Made(None, [], renderer.library_pages(library, html_paths)), store, current)
    return [(path, data, pages.reused) for path, data in pages.pages]


def _set_aside(folders: list[Path], made: list[Made], listings: list, problems: Problems,
               aside: dict[str, list]) -> tuple[list[Path], list[Made], list]:
    """The conditions without errors, and what was made of them; each condition with an error is
    moved, with every problem in its folder, from `problems` into `aside` (by slug)."""
    where = {problems.relative(folder) + "/": folder.name for folder in folders}

    def slug_of(problem) -> str | None:
        return next((slug for prefix, slug in where.items() if problem.path.startswith(prefix)), None)

    broken = {slug_of(p) for p in problems.items if p.is_error} - {None}
    if not broken:
        return folders, made, listings
    for problem in [p for p in problems.items if slug_of(p) in broken]:
        aside.setdefault(slug_of(problem), []).append(problem)
    problems.items = [p for p in problems.items if slug_of(p) not in broken]
    kept = [(f, m) for f, m in zip(folders, made) if f.name not in broken]
    return [f for f, _ in kept], [m for _, m in kept], [c for c in listings if c.slug not in broken]


def with_related(made: list[Made], folders: list[Path], make, store, shared: str, current, jobs,
                 problems: Problems) -> list[Made]:
    """`made`, with the pages of the conditions that list related ones, made now that every
    title is known (their rendering's problems added to `problems`). Their key holds every
    title, so a title's change reaches them."""
    waiting = [i for i, m in enumerate(made) if m.listing is not None and m.listing.related]
    if not waiting:
        return made
    titles = {m.listing.slug: m.listing.title for m in made if m.listing is not None}
    again = incremental.make_all([folders[i] for i in waiting], functools.partial(make, titles=titles), store,
                                 digest(shared, "related", repr(sorted(titles.items()))), current, jobs)
    made = list(made)
    for i, result in zip(waiting, again):
        problems.extend(p for p in result.problems if p not in made[i].problems)
        made[i] = result
    return made


def site_files(gathered: Gathered) -> list[tuple[str, bytes, bool]]:
    """Every file of the site but the PDFs: (path, bytes, whether the current site has these bytes)."""
    out = [(path, data, made.reused) for made in gathered.made for path, data in made.pages or ()]
    return out + gathered.library_pages + [(path, data, False) for path, data in gathered.renderer.static_files()]


def load(project: Project) -> tuple[Library, Problems]:
    """The whole library with every condition's model, for tools and tests. Raises BuildError."""
    gathered = gather(project, keep_models=True, render=False)
    if gathered.problems.errors:
        raise BuildError(gathered.problems.items)
    return gathered.library, gathered.problems


def condition_model(project: Project, slug: str) -> Condition | None:
    """One condition's whole model, loaded again from its folder (a build keeps only listings)."""
    return load_condition(project.content / slug, project.content, Problems(project.root))


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
        governance.links_to_left_out(gathered.made, gathered.left_out, functools.partial(condition_model, project),
                                     gathered.problems)
        writer.check_destination(every_file=False)
        index = SearchIndex()
        files = [*index.taking(site_files(gathered)), *(index.files(writer.current) if search else ())]
        for path, data, reused in files:
            writer.add(path, data, reused)
        library = gathered.library
        if papers:
            writer.add_all(sheets.sheet_pdfs(library.conditions, writer.files, library.site.base_url,
                                             caches / "pdf" if cache_dir else project.pdf_cache, gathered.problems,
                                             functools.partial(condition_model, project), jobs))
        writer.commit()
    finally:
        store.flush()   # what was worked out is kept even when the build fails
    store.prune()
    notes = ((skipped,) if skipped else ()) + governance.left_out_note(gathered.left_out)
    return BuildResult(library, gathered.problems, len(writer.files), notes=notes, cache=store)
