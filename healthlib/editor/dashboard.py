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
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from ..content import editorial, governance
from ..content.model import STATUSES, Condition
from ..errors import Problem, Problems



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
    counts, no_counts = (report.sheets, report.sheets_note) if pdfs else (
        {}, "not counted here: 'build.py check --format html' counts them.")
    for group in by_status.values():
        for row in group:
            row.pages = counts.get(row.condition.slug, {})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["grade"] = lambda value: f"{round(value, 1) + 0.0:.1f}"
    problems = report.final(strict)
    return env.get_template("dashboard.html").render(
        library=report.library, by_status=by_status, general=general, today=today, strict=strict,
        editorial_scores=[s for s in report.scores if s.condition == editorial.FOLDER],
        target=report.library.site.readability, no_counts=no_counts,
        errors=sum(p.is_error for p in problems), warnings=sum(not p.is_error for p in problems))
