"""The build, end to end: load & validate -> model -> render -> write."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

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


@dataclass
class BuildResult:
    library: Library
    problems: Problems
    files: int


def load(project: Project) -> tuple[Library, Problems]:
    return load_library(project.content, project.site_file, base=project.root)


def build(project: Project, out_dir: Path, *, base_url: str | None = None) -> BuildResult:
    """Build the whole site into `out_dir`. Raises BuildError; the old site is untouched then.
    `base_url`: publish for this address instead of site.yaml's (already checked, ends in '/')."""
    library, problems = load(project)
    if base_url:
        library = replace(library, site=replace(library.site, base_url=base_url))
    writer = Writer(out_dir, sources=(project.content, project.templates, project.static),
                    project_root=project.root)
    writer.check_destination()          # fail before the work, not after it
    writer.add_all(Renderer(library, project.templates, project.static).pages())
    writer.commit()
    return BuildResult(library, problems, len(writer.files))
