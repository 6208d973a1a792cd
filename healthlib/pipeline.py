"""The build, end to end: load & validate -> model -> render -> write."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from . import pdf
from .errors import Problems
from .load import load_library
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


def load(project: Project) -> tuple[Library, Problems]:
    return load_library(project.content, project.site_file, base=project.root)


def build(project: Project, out_dir: Path, *, pdfs: bool = True, base_url: str | None = None) -> BuildResult:
    """Build the whole site into `out_dir`. Raises BuildError; the old site is untouched then.
    `pdfs`: make the appointment sheets' PDFs (when WeasyPrint is installed).
    `base_url`: publish for this address instead of site.yaml's (already checked, ends in '/')."""
    library, problems = load(project)
    if base_url:
        library = replace(library, site=replace(library.site, base_url=base_url))
    skipped = pdf.unavailable() if pdfs else None
    papers = pdf.PAPERS if pdfs and not skipped else ()
    writer = Writer(out_dir, sources=(project.content, project.templates, project.static),
                    project_root=project.root)
    writer.check_destination()          # fail before the work, not after it
    writer.add_all(Renderer(library, project.templates, project.static, pdf_papers=papers).pages())
    if papers:
        writer.add_all(pdf.sheet_pdfs(library.conditions, writer.files, library.site.base_url, project.pdf_cache))
    writer.commit()
    return BuildResult(library, problems, len(writer.files), notes=(skipped,) if skipped else ())
