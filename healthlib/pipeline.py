"""The build, end to end: load & validate -> model -> render -> write."""
from __future__ import annotations

import contextlib
import datetime as dt
import gc
from dataclasses import dataclass, replace
from pathlib import Path

from . import batch, governance
from .cache import Cache
from .errors import Problems
from .load import Alongside, load_library
from .model import Library
from .render import Renderer
from .write import Writer


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
class BuildResult:
    library: Library
    problems: Problems
    files: int
    notes: tuple[str, ...] = ()     # one-line remarks for the person building, e.g. PDFs skipped
    cache: Cache | None = None      # what the content cache found and stored


@contextlib.contextmanager
def _no_cycle_collector():
    """Loading and rendering leave no reference cycles (tests/test_memory.py), so Python's cycle
    collector only looked through the millions of objects they make, in vain: a seventh of a
    cold build. Off while they run (in forked workers too), on again after; PDFs keep it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def load(project: Project, *, cache: Cache | None = None, jobs: int | None = 1,
         alongside: Alongside | None = None) -> tuple[Library, Problems]:
    return load_library(project.content, project.site_file, base=project.root, cache=cache, jobs=jobs,
                        alongside=alongside)


def build(project: Project, out_dir: Path, *, pdfs: bool = True, base_url: str | None = None,
          cache_dir: Path | None = None, use_cache: bool = True, jobs: int | None = None,
          today: dt.date | None = None) -> BuildResult:
    """Build the whole site into `out_dir`. Raises BuildError; the old site is untouched then.
    `pdfs`: make the appointment sheets' PDFs (when WeasyPrint is installed).
    `base_url`: publish for this address instead of site.yaml's (already checked, ends in '/').
    `cache_dir`: where the build keeps work to reuse (default: .cache/ in the project; cache.py);
    `use_cache`: False to neither read nor write the content cache (the site is the same bytes);
    `jobs`: processes for loading and rendering (None: every core; parallel.py);
    `today`: the day review dates are compared with (default: today). Drafts are left out."""
    caches = Path(cache_dir).absolute() if cache_dir else None
    cache = Cache((caches or project.root / ".cache") / "build" if use_cache else None)
    if pdfs:   # imported only when PDFs are asked for: a build without them spares 8 ms of imports
        from . import pdf
    skipped = pdf.unavailable() if pdfs else None
    papers = pdf.PAPERS if pdfs and not skipped else ()
    writer = Writer(out_dir, sources=(project.content, project.templates, project.static),
                    project_root=project.root)

    def published(library: Library) -> Library:
        return replace(library, site=replace(library.site, base_url=base_url)) if base_url else library

    def renderer_for(library: Library) -> Renderer:
        return Renderer(published(library), project.templates, project.static, pdf_papers=papers,
                        bytecode_dir=cache.templates_dir(), today=today)
    # A condition's pages are rendered where it is loaded (batch.EarlyPages); the rest after.
    early = batch.EarlyPages(renderer_for)
    try:
        with _no_cycle_collector():
            library, problems = load(project, cache=cache, jobs=jobs, alongside=early)
            library, drafts = governance.published(published(library))
            # Fail before the rest of the work. Files the build did not make are looked for once,
            # by commit() (that walk of the old site was a tenth of a one-page rebuild).
            writer.check_destination(every_file=False)
            renderer = early.renderer.for_library(library) if early.renderer else renderer_for(library)
            writer.add_all(renderer.pages(rendered=batch.condition_pages(renderer, cache, jobs, writer.current,
                                                                         early.done)))
        if papers:
            writer.add_all(pdf.sheet_pdfs(library.conditions, writer.files, library.site.base_url,
                                          caches / "pdf" if caches else project.pdf_cache))
        writer.commit()
    finally:
        cache.flush()   # what was worked out is kept even when the build fails
    cache.prune()
    notes = (skipped,) if skipped else ()
    if drafts:
        notes += (f"Left out {len(drafts)} draft condition(s) (status: draft): {', '.join(drafts)}.",)
    return BuildResult(library, problems, len(writer.files), notes=notes, cache=cache)
