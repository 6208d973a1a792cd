"""Helpers for tests that need their own copy of the content to change."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"


def copy_content(dest: Path, languages: bool = False) -> Path:
    """A private copy of the bundled content folder; returns its path. `languages`: with its
    language folders (content/es/, ...); without them, the library in its main language only, so a
    test may rename or remove a condition without leaving a translation of nothing."""
    target = dest / "content"
    shutil.copytree(CONTENT, target, ignore=None if languages else _language_folders)
    return target


def _language_folders(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if Path(folder) == CONTENT and (CONTENT / name / "site.yaml").is_file()]


def add_condition(content: Path, slug: str, title: str, template: str = "calciphylaxis") -> Path:
    """A new condition folder made from an existing one, with another slug and title."""
    folder = content / slug
    shutil.copytree(content / template, folder)
    meta = folder / "condition.yaml"
    meta.write_text(re.sub(r"(?m)^title: .*$", f"title: {title}", meta.read_text(encoding="utf-8"), count=1),
                    encoding="utf-8")
    return folder


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """1-based line number of the first line containing `needle`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def render_library(library, templates: Path = REPO / "templates", static: Path = REPO / "static") -> dict[str, bytes]:
    """Every file of the site a loaded library makes (no PDFs), as the build's pipeline renders it."""
    from healthlib.errors import Problems
    from healthlib.content.model import Made
    from healthlib.pipeline import Gathered, site_files
    from healthlib.publish.render import Renderer
    renderer = Renderer(library.site, library.glossary, templates, static)
    made = [Made(c.listing(), [], renderer.condition_pages(c)) for c in library.conditions]
    html_paths = [path for m in made for path, _ in m.pages]
    pages = [(path, data, False) for path, data in renderer.library_pages(library, html_paths)]
    return {path: data for path, data, _ in site_files(Gathered(library, Problems(), made, renderer, pages))}


TINY = Path(__file__).parent / "fixtures" / "tiny"


def copy_tiny_library(dest: Path) -> Path:
    """A private copy of the tiny library (site.yaml and content/), with the bundled editorial pages."""
    lib = Path(shutil.copytree(TINY, dest / "lib"))
    shutil.copytree(REPO / "content" / "_pages", lib / "content" / "_pages")
    return lib
