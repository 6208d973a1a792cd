"""Editorial pages: what a library says about itself (About us, How we write our information,
Privacy, Accessibility, Contact), one Markdown file each in content/_pages/, published at
/<name>/ with the same frame as every page and linked from every page's footer.

The folder's name starts with '_', so it is never read as a condition. Which pages a library
must have is the site setting `required_pages`; `check` warns when one is missing
(governance.check_problems).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import Problems
from . import governance, guard
from .load import Fields, _markdown, slug_problem
from .model import EditorialPage, Site
from .sources import read_text, split_front_matter

FOLDER = "_pages"
SETTINGS = ("title", "summary", "status")


@guard.one_file(fallback=None)
def _load_page(path: Path, content: Path, problems: Problems) -> EditorialPage | None:
    text = read_text(path, content, problems)
    md = split_front_matter(text, path, problems) if text is not None else None
    if md is None:
        return None
    f = Fields(md.meta, problems)
    f.known(SETTINGS)
    title = f.text("title", what="the page's heading")
    summary = f.text("summary", what="one plain sentence: what the page is about (search engines show it)")
    status = governance.status_setting(f)
    body = _markdown(f, problems, path, md.body, md.body_line, exact_lines=True, top_heading=2)
    if title is None or summary is None:
        return None
    return EditorialPage(path.stem, title, summary, body, path, status)


def text_blocks(page: EditorialPage) -> list[str]:
    """The page's visible text, block by block, as readability measures it (heading, summary, body)."""
    from ..text.readability import section_blocks
    html = f'<section id="page"><h1>{page.title}</h1><p>{page.summary}</p>{page.body.html}</section>'
    return section_blocks(html).get("page", [])


def written(library, out_path: str, href: str) -> tuple[Path, int | None] | None:
    """The editorial page file and line where a link on the page at `out_path` was written, or None."""
    page = next((p for p in library.pages if f"{p.url}index.html" == out_path), None)
    at = page.body.source.find(href) if page is not None else -1
    if at < 0:
        return None
    return page.path, page.body.line + page.body.source.count("\n", 0, at) if page.body.line else None


def load_pages(content: Path, site: Site, condition_names: set[str], problems: Problems
               ) -> tuple[Site, tuple[EditorialPage, ...]]:
    """The published editorial pages, in footer order (site.yaml's `required_pages` first, then
    A to Z), and the site with its footer links set."""
    folder = content / FOLDER
    if not folder.is_dir():
        return site, ()
    pages = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix != ".md" or not path.is_file():
            problems.warn(path, None, "unknown file; the build ignores it. Editorial pages are '.md' files.")
            continue
        problem = slug_problem(path.stem)
        if problem is None and path.stem in condition_names:
            problem = (f"the page '{path.stem}' would have the same address as the condition folder "
                       f"'{path.stem}'. Rename one of them.")
        if problem:
            problems.error(path, None, problem.replace("folder name", "file name", 1))
            continue
        page = _load_page(path, content, problems)
        if page is not None:
            pages.append(page)
    order = {slug: i for i, slug in enumerate(site.required_pages)}
    pages.sort(key=lambda p: (order.get(p.slug, len(order)), p.title.lower()))
    footer = tuple((p.url, p.title) for p in pages if p.status == "published")
    return replace(site, footer=footer), tuple(pages)
