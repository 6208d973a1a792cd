"""Who stands behind a page, and when it was checked: clinical sign-off, the review cycle, page
history, drafts, the feedback address and the demonstration notice.

Settings are read here from the `Fields` that load.py hands over (site.yaml and each
condition.yaml), so the rules live in one module. The review cycle needs the site settings:
`condition_problems` runs in pipeline.make_condition, on every build. Rules that depend on
today's date, on the whole library or only warn run in `check_problems`, from `build.py check`.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..errors import Problems
from .model import STATUSES, Change, Condition, Library, SignOff, Site, Translation
from .sources import parse_yaml, read_text

CONDITION_FILE = "condition.yaml"     # load.CONDITION_FILE (load imports this module)
SITE_SETTINGS = ("demonstration", "review_cycle_years", "feedback", "required_pages")
CONDITION_SETTINGS = ("status", "sign_off", "changes", "translation")
TRANSLATION_SETTINGS = ("source_version", "source_reviewed", "translated_by", "clinical_check", "cultural_check")
PENDING = "pending"      # a check of a translation not done yet
VERSION = re.compile(r"^[0-9a-f]{7,64}$")
DOCS = "docs/content-format.md"
DRAFT_LINE = re.compile(r"^status:[ \t]*['\"]?draft['\"]?[ \t]*(?:#.*)?$", re.M)
EMAIL = re.compile(r"^[^@\s:/?#]+@[^@\s:/?#]+\.[^@\s:/?#]+$")


# ------------------------------------------------------------------ reading settings


def feedback_problem(value: str) -> str | None:
    """Why `value` cannot be where readers send feedback, or None."""
    address = value[len("mailto:"):] if value.lower().startswith("mailto:") else value
    if EMAIL.match(address):
        return None
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.netloc:
        return None
    return (f"'feedback' must be an e-mail address (like pages@example.org) or the https:// address of "
            f"a feedback form; got '{value}'.")


def site_settings(f) -> dict:
    """The Site fields of SITE_SETTINGS, each checked where it is written."""
    cycle = f.number("review_cycle_years", Site.review_cycle_years, 1, 10)
    if cycle != int(cycle):
        f.error("review_cycle_years", f"'review_cycle_years' must be a whole number of years; got {cycle:g}.")
    out: dict = {"demonstration": f.yes_no("demonstration", Site.demonstration), "review_cycle_years": int(cycle)}
    feedback = f.text("feedback", required=False, what="an e-mail address or a form's https:// address")
    if feedback and (problem := feedback_problem(feedback)):
        f.error("feedback", problem)
    elif feedback:
        out["feedback"] = feedback
    if "required_pages" in f.data:
        out["required_pages"] = tuple(f.texts("required_pages", required=False,
                                              what="a list of page names, such as 'about'"))
    return out


def status_setting(f) -> str:
    status = f.text("status", required=False, what="'published' or 'draft'") or STATUSES[0]
    if status not in STATUSES:
        f.error("status", f"'status' must be one of: {', '.join(STATUSES)}; got '{status}'.")
        return STATUSES[0]
    return status


def _sign_off(f) -> SignOff | None:
    g = f.group("sign_off", "a group with 'name', 'role' and 'date'")
    if g is None:
        return None
    g.known(("name", "role", "date"))
    name = g.text("name", what="the name of the clinician who approved the page")
    role = g.text("role", what="their role or credentials, such as 'consultant nephrologist'")
    date = g.date("date")
    return SignOff(name, role, date) if name and role and date else None


def _changes(f) -> tuple[Change, ...]:
    out: list[tuple[Change, int | None]] = []
    for entry in f.maps("changes", required=False, what="a list of changes, each with 'date' and 'summary'"):
        entry.known(("date", "summary"))
        date, summary = entry.date("date"), entry.text("summary", what="one plain line: what changed")
        if summary and "\n" in summary:
            entry.error("summary", "a change's 'summary' must be one line. Say what changed in one sentence.")
            summary = None
        if date and summary:
            out.append((Change(date, summary), entry.line("date")))
    for (newer, _), (older, line) in zip(out, out[1:]):
        if older.date > newer.date:
            f.problems.error(f.doc.path, line, f"the changes must be listed newest first: {older.date} comes "
                             f"after {newer.date}. Move this change above it.")
    return tuple(change for change, _ in out)


def condition_settings(f, translated: bool = False) -> dict:
    """The Condition fields of CONDITION_SETTINGS, each checked where it is written."""
    return {"status": status_setting(f), "sign_off": _sign_off(f), "changes": _changes(f),
            "translation": _translation(f, translated)}


def _translation(f, translated: bool) -> Translation | None:
    """`translation:` where a translated page came from and who made and checked it (docs/translations.md)."""
    if not translated:
        if "translation" in f.data:
            f.error("translation", "'translation' belongs only in a language folder's conditions "
                    "(content/<language>/<condition>/); this page is in the library's main language. Remove it.")
        return None
    if "translation" not in f.data:
        f.problems.error(f.doc.path, f.line(), "'translation' is missing. A translated page says where it came "
                         f"from: add 'translation:' with {', '.join(TRANSLATION_SETTINGS)} (docs/translations.md).")
        return None
    g = f.group("translation", f"a group with {', '.join(TRANSLATION_SETTINGS)}")
    if g is None:
        return None
    g.known(TRANSLATION_SETTINGS)
    version = g.text("source_version", what="the main-language version it was made from, as 'check' prints it")
    if version is not None and not VERSION.match(version):
        g.error("source_version", f"'source_version' must be the version 'check' prints, like 3f9a2c1d7b4e; "
                f"got '{version}'.")
        version = None
    reviewed = g.date("source_reviewed")
    people = [g.text(name, what=f"names or roles, or '{PENDING}'")
              for name in ("translated_by", "clinical_check", "cultural_check")]
    if version is None or reviewed is None or None in people:
        return None
    return Translation(version, reviewed, *people, line=g.line("source_version"))


# ------------------------------------------------------------------ rules


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:          # 29 February, in a year without one
        return day.replace(year=day.year + years, day=28)


def condition_problems(site: Site, c: Condition, problems: Problems) -> None:
    """The rules that need the site settings: the next review within the review cycle."""
    cycle = site.review_cycle_years
    latest = add_years(c.last_reviewed, cycle)
    if c.next_review_due > latest:
        problems.error(c.folder / CONDITION_FILE, c.setting_line(CONDITION_FILE, "next_review_due"),
                       f"'next_review_due' ({c.next_review_due}) is more than {cycle} year(s) after "
                       f"'last_reviewed' ({c.last_reviewed}), the longest review cycle site.yaml allows "
                       f"('review_cycle_years'). Set it to {latest} or sooner.")


def overdue(condition: Condition, today: dt.date) -> bool:
    return condition.next_review_due < today


def declared_draft(folder: Path) -> bool:
    """Whether a condition that could not be loaded says 'status: draft' (a draft may be half
    written; the build leaves it out whatever its problems)."""
    problems = Problems()
    text = read_text(folder / "condition.yaml", folder.parent, problems)
    doc = parse_yaml(text, folder / "condition.yaml", problems) if text is not None else None
    if doc is None:     # YAML broken elsewhere in the file: the line itself still says so
        return text is not None and DRAFT_LINE.search(text) is not None
    return isinstance(doc.data, dict) and doc.data.get("status") == "draft"


def without_drafts(folders: list[Path], made: list) -> tuple[list[Path], list, list[str]]:
    """The folders and what was made of them, drafts left out (with their problems); the drafts' names."""
    draft = [m.listing.status == "draft" if m.listing else declared_draft(f) for f, m in zip(folders, made)]
    kept = [(f, m) for f, m, d in zip(folders, made, draft) if not d]
    return [f for f, _ in kept], [m for _, m in kept], [f.name for f, d in zip(folders, draft) if d]


def left_out_note(drafts: list[str]) -> tuple[str, ...]:
    if not drafts:
        return ()
    return (f"Left out {len(drafts)} draft condition(s) (status: draft): {', '.join(drafts)}. "
            "'build.py check' checks them.",)


def feedback_href(site: Site, title: str, url: str) -> str:
    """Where a page's "Is something wrong?" link goes: a mailto: whose subject names the page,
    or the form's address; "" when none is set."""
    if not site.feedback:
        return ""
    if site.feedback.startswith("https://"):
        return site.feedback
    address = site.feedback[len("mailto:"):] if site.feedback.lower().startswith("mailto:") else site.feedback
    return f"mailto:{address}?subject={quote(f'Feedback on {title} ({url})', safe='')}"


def _sign_off_and_history(c: Condition, site: Site, today: dt.date, problems: Problems) -> None:
    path, at = c.folder / CONDITION_FILE, functools.partial(c.setting_line, CONDITION_FILE)
    if c.sign_off is None and c.status == "published" and not site.demonstration:
        problems.warn(path, at("title"), "no clinician has signed off this page. Add 'sign_off:' with "
                      f"the 'name', 'role' and 'date' of the clinician who approved it (see {DOCS}).")
    if c.sign_off and c.sign_off.date > today:
        problems.warn(path, at("sign_off"), f"the sign-off date {c.sign_off.date} has not come yet.")
    elif c.sign_off and c.sign_off.date < c.last_reviewed:
        problems.warn(path, at("sign_off"), f"the sign-off ({c.sign_off.date}) is older than the last "
                      f"review ({c.last_reviewed}): ask a clinician to approve the reviewed page, then "
                      "update 'sign_off'.")
    if c.changes and c.changes[0].date > today:
        problems.warn(path, at("changes"), f"the newest change is dated {c.changes[0].date}, a day "
                      "that has not come yet.")


def check_problems(library: Library, problems: Problems, today: dt.date, project) -> None:
    """What `build.py check` adds: sign-offs, page history against today, links to drafts, the
    feedback address and the editorial pages site.yaml requires."""
    site = library.site
    for c in library.conditions:
        _sign_off_and_history(c, site, today, problems)
    _links_to_drafts(library, problems)
    settings = problems.relative(project.site_file)
    if any(p.is_error and p.path == settings for p in problems.items):
        return      # the settings could not be read: their defaults would only add false warnings
    if not site.feedback and not site.demonstration:
        problems.warn(project.site_file, None, "there is no 'feedback' address, so pages cannot "
                      "ask readers to report a problem. Add 'feedback:' with an e-mail address or a form's "
                      "https:// address.")
    pages = {p.slug: p for p in library.pages}
    for slug in site.required_pages:
        page = pages.get(slug)
        if page is None or page.status != "published":
            problems.warn(project.content / "_pages" / f"{slug}.md", None,
                          f"site.yaml requires the editorial page '{slug}' ('required_pages'), and it is "
                          f"{'missing' if page is None else 'still a draft'}. Write it (see {DOCS}).")


def _links_to_drafts(library: Library, problems: Problems) -> None:
    """A published page that links to a draft would have a broken link: the build leaves drafts out."""
    drafts = [c.slug for c in library.conditions if c.status != "published"]
    for c in (c for c in library.conditions if c.status == "published" and drafts):
        for entry in (r for r in c.related if r.slug in drafts):
            problems.warn(c.folder / CONDITION_FILE, entry.line, f"'related' names '{entry.slug}', which is a "
                          "draft: the published page will not list it until it is published.")
        _written_links_to(c, drafts, problems)


def _written_links_to(c: Condition, drafts: list[str], problems: Problems) -> None:
    for slug in drafts:
        link = re.compile(rf"\]\(\.\./{re.escape(slug)}(?:[/#)]|$)")
        for name, _, _ in c.located:
            line = c.line_of(name, link)
            if line is not None:
                problems.warn(c.folder / name, line, f"this links to '{slug}', which is a draft: the "
                              "published site will not have it. Remove the link, or publish that page first.")


def links_to_left_out(made: list, drafts: list[str], model, problems: Problems) -> None:
    """The build's warning, at its line, for a published page that links to a draft it left out
    (the link is broken on the site). `model`: a condition's whole model by slug, loaded only for
    a page whose HTML has such a link."""
    if not drafts:
        return
    href = re.compile(rb'href="(?:\.\./)+(?:' + b"|".join(re.escape(d.encode()) for d in drafts) + rb')[/#"]')
    for m in made:
        if m.listing is not None and any(href.search(data) for _, data in m.pages or ()):
            condition = model(m.listing.slug)
            if condition is not None:
                _written_links_to(condition, drafts, problems)


def demonstration_summary(library: Library) -> str | None:
    """What a demonstration library lacks before it could be published for patients."""
    if not library.site.demonstration:
        return None
    unsigned = sum(c.sign_off is None for c in library.conditions)
    missing = [f"{unsigned} condition(s) without clinical sign-off"] if unsigned else []
    if not library.site.feedback:
        missing.append("no feedback address")
    if not library.site.public_url:
        missing.append(f"the address it will be published at in 'base_url' (now '{library.site.base_url}')")
    return ("Demonstration library (site.yaml 'demonstration: true'): every page says nobody approved it. "
            + (f"Before it is published for patients it needs: {'; '.join(missing)}." if missing else ""))
