"""The editors' dashboard: one HTML page (`build.py check --format html --output FILE`, and
`serve` at /_editor/, never in the built site) listing every condition with its status,
sign-off, review dates, section grades against their targets, problems with their path:line,
and its appointment sheet's page counts.

One table per status, each in a fixed order (the most urgent review first), so it needs no
script to sort. Made from the check's Report; the page's template is dashboard.html, beside
this module (it is a tool's page, not the site's).
"""
from __future__ import annotations

import datetime as dt
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from ..content import editorial, governance
from ..content.model import STATUSES, Condition
from ..errors import Problem, Problems
from . import reading

_PAGE_TYPE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


@dataclass
class Row:
    condition: Condition
    overdue: bool
    days_left: int
    scores: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)     # paper label -> printed pages

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors


def pdf_pages(data: bytes) -> int:
    """The pages of a PDF: its page objects, in object streams too (WeasyPrint compresses them)."""
    count = len(_PAGE_TYPE.findall(data))
    for m in _STREAM.finditer(data):
        try:
            count += len(_PAGE_TYPE.findall(zlib.decompress(m.group(1))))
        except zlib.error:
            continue
    return count


def sheet_pages(library, project) -> tuple[dict[str, dict[str, int]], str | None]:
    """slug -> {paper: pages} of each sheet's PDF, made as the build makes them (and from the same
    cache, so after a build this costs no rendering); or why they could not be counted."""
    from ..publish import pdf
    from ..publish.render import Renderer
    from ..speed import sheets
    reason = pdf.unavailable()
    if reason:
        return {}, reason.split(". To make them")[0] + "."
    renderer = Renderer(library.site, library.glossary, project.templates, project.static, pdf.PAPERS)
    files = dict(renderer.static_files())
    for condition in library.conditions:
        files.update(renderer.condition_pages(condition))
    counts: dict[str, dict[str, int]] = {}
    made = sheets.sheet_pdfs(library.conditions, files, library.site.base_url, project.pdf_cache,
                             Problems(project.root), {c.slug: c for c in library.conditions}.get)
    for (path, data), (condition, paper) in zip(made, [(c, p) for c in library.conditions for p in pdf.PAPERS]):
        counts.setdefault(condition.slug, {})[paper.label] = pdf_pages(data)
    return counts, None


def rows(report, project, today: dt.date, strict: bool) -> tuple[dict[str, list[Row]], list[Problem]]:
    """The conditions by status, most urgent review first, each with its own problems; and the
    problems that belong to no condition (site.yaml, the glossary, editorial pages)."""
    relative = Problems(project.root).relative
    problems = report.final(strict)
    by_status: dict[str, list[Row]] = {status: [] for status in STATUSES}
    claimed: set[Problem] = set()
    for c in report.library.conditions:
        folder = relative(c.folder) + "/"
        own = [p for p in problems if p.path.startswith(folder)]
        claimed.update(own)
        by_status[c.status].append(Row(c, governance.overdue(c, today), (c.next_review_due - today).days,
                                       [s for s in report.scores if s.condition == c.slug], own))
    for group in by_status.values():
        group.sort(key=lambda r: (r.condition.next_review_due, r.condition.title.lower()))
    return by_status, [p for p in problems if p not in claimed]


def page(report, project, today: dt.date, strict: bool = False, pdfs: bool = True) -> str:
    by_status, general = rows(report, project, today, strict)
    counts, no_counts = sheet_pages(report.library, project) if pdfs else (
        {}, "not counted here: 'build.py check --format html' counts them.")
    for group in by_status.values():
        for row in group:
            row.pages = counts.get(row.condition.slug, {})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["grade"] = lambda value: f"{round(value, 1) + 0.0:.1f}"
    env.globals["over"] = reading.over
    problems = report.final(strict)
    return env.get_template("dashboard.html").render(
        library=report.library, by_status=by_status, general=general, today=today, strict=strict,
        editorial_scores=[s for s in report.scores if s.condition == editorial.FOLDER],
        target=report.library.site.readability, no_counts=no_counts,
        errors=sum(p.is_error for p in problems), warnings=sum(not p.is_error for p in problems))
