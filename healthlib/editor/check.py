"""`build.py check`: every problem in the content at once, without writing the site.

Schema problems (missing files and fields, wrong types, unknown settings, bad dates, repeated
sections or questions, removed HTML) come from load & validate. This module renders the pages
in memory and adds what needs them: links and #anchors, readability, plain language and
review dates. All problems are `Problem` values with a file and line.
"""
from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from dataclasses import replace

from . import reading, translations, words
from ..publish import i18n
from ..content import editorial, governance, load
from ..text import markup
from ..errors import ERROR, WARNING, BuildError, Problem, Problems
from ..content.load import CONDITION_FILE, FAQ_FILE, GLOSSARY_FILE, condition_folders
from ..content.model import SECTION_IDS, Condition, Library
from ..pipeline import Project, gather, site_files
from ..text.readability import Score, measure, section_blocks

FAQ_ID = "faq"                         # the FAQ's section id on a condition page
_HERE = "http://site.invalid/"         # stands for the site root when resolving relative links
_PLACES = {"a": "a link", "summary": "a question", "th": "a table heading", "label": "a form label",
           "legend": "a form heading", "button": "a button", "abbr": "an abbreviation", "code": "code"}


@dataclass(frozen=True)
class SectionScore:
    condition: str       # slug
    section: str         # section id, or "faq"
    path: str            # the file it is written in, relative to the project
    score: Score


@dataclass(frozen=True)
class ExternalLink:
    path: str
    line: int | None
    url: str


@dataclass
class Report:
    problems: list[Problem]
    scores: list[SectionScore]
    external: list[ExternalLink]
    conditions: int
    library: Library = field(repr=False, default=None)
    sheets: dict[str, dict[str, int]] = field(default_factory=dict)   # slug -> paper label -> pages
    sheets_note: str | None = None      # why the sheets' pages could not be counted (not --no-pdf)
    notes: tuple[str, ...] = ()      # one-line remarks that are not problems (a language not scored)

    def final(self, strict: bool) -> list[Problem]:
        """The problems to show; in strict mode every warning counts as an error."""
        if not strict:
            return self.problems
        return [Problem(p.path, p.line, p.message, ERROR) for p in self.problems]


# ------------------------------------------------------------------ where things are written


def _section_file(condition: Condition, section_id: str) -> Path:
    if section_id == FAQ_ID:
        return condition.folder / FAQ_FILE
    if section_id in SECTION_IDS:
        return condition.folder / f"{section_id}.md"
    return condition.folder / CONDITION_FILE


# ------------------------------------------------------------------ reading rendered pages


class _Anchors(HTMLParser):
    """The ids of a page and its links, in page order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"].strip())


def _anchors(html: str) -> _Anchors:
    parser = _Anchors()
    parser.feed(html)
    parser.close()
    return parser


class _FirstUses(HTMLParser):
    """Where each glossary term is first met in a page's <main>, and in what kind of place."""

    def __init__(self, patterns):
        super().__init__(convert_charrefs=True)
        self.patterns = patterns            # markup.term_patterns: (regex, meaning, key)
        self.first: dict[str, tuple] = {}   # key -> (place, section id, spelling, meaning's term key)
        self.stack: list[str] = []
        self.sections: list[tuple[str, int]] = []
        self.meaning: tuple[str, str] | None = None   # (meaning, key) the build put after a <dfn>

    def handle_starttag(self, tag, attrs):
        if tag in markup.VOID:
            return
        if tag == "main" or self.stack:
            self.stack.append(tag)
            attrs = dict(attrs)
            if tag == "section" and attrs.get("id"):
                self.sections.append((attrs["id"], len(self.stack)))

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass
        while self.sections and self.sections[-1][1] > len(self.stack):
            self.sections.pop()

    def handle_data(self, data):
        if not self.stack or {"h1", "nav"} & set(self.stack):
            return      # the title is the page's subject; the contents list repeats headings
        section = self.sections[-1][0] if self.sections else ""
        if "dfn" in self.stack:
            explained = next((p for p in self.patterns if p[0].fullmatch(data.strip())), None)
            self._note(data, "dfn", section)
            self.meaning = (f" ({explained[1]})", explained[2]) if explained else None
            return
        if self.meaning and data.startswith(self.meaning[0]):
            self._note(self.meaning[0], "meaning", section, of=self.meaning[1])
            data = data[len(self.meaning[0]):]
        self.meaning = None
        place = next((t for t in reversed(self.stack) if t in markup.NO_EXPLAIN), "text")
        self._note(data, place, section)

    def _note(self, data: str, place: str, section: str, of: str | None = None):
        for regex, _means, key in self.patterns:
            if key not in self.first and (m := regex.search(data)):
                if place == "text" and markup.already_explained(data, m):
                    place = "bracketed"
                self.first[key] = (place, section, m.group(0), of)


# ------------------------------------------------------------------ the checks


class Checker:
    def __init__(self, project: Project, library: Library, problems: Problems, pages: dict[str, bytes],
                 today: dt.date, prefix: str = ""):
        """`prefix`: the language's folder in the site ("es/"), for a language folder's library."""
        self.project, self.library, self.problems, self.today = project, library, problems, today
        self.prefix = prefix
        self.pages = pages
        self.html = {p: d.decode("utf-8") for p, d in pages.items() if p.endswith(".html")}
        self.anchors = {p: _anchors(h) for p, h in self.html.items()}
        self.readability = library.site.readability
        self.scores: list[SectionScore] = []
        self.unscored: set[str] = set()      # languages with no readability formula
        self.no_word_list: set[str] = set()  # languages wordfreq has no list for
        self.finders: dict[str, words.Unexplained] = {}
        self.external: list[ExternalLink] = []
        loaded = {c.slug for c in library.conditions}
        # Pages of conditions that did not load cannot be checked; links to them are not wrong.
        self.unknown = {f.name for f in condition_folders(project.content)} - loaded \
            if project.content.is_dir() else set()

    def run(self, pages=None) -> None:
        """`pages`: the pages whose links to check (default: all)."""
        for condition in self.library.conditions:
            page = f"{self.prefix}{condition.slug}/index.html"
            if page in self.html:
                self.sections(condition, self.html[page])
                self.first_uses(condition, self.html[page])
            self.review(condition)
        for page in sorted(self.anchors if pages is None else pages):
            self.links(page)
        for slug in sorted(self.unknown):
            self.unloaded_links(slug)

    # -- readability and length, on the text the reader meets (glossary meanings not counted)
    def sections(self, condition: Condition, html: str) -> None:
        blocks = section_blocks(html)
        lang = getattr(condition, "language", None) or self.library.site.language
        for section_id in (*SECTION_IDS, FAQ_ID):
            if section_id not in blocks:
                continue
            path = _section_file(condition, section_id)
            score = measure(blocks[section_id], lang)
            line = condition.line_of(path.name, re.compile(r"^title:")) if path.suffix == ".md" else None
            self.grade(SectionScore(self.prefix + condition.slug, section_id, self.problems.relative(path), score),
                       path, line, blocks[section_id])
        in_order = [(s, block) for s in (*SECTION_IDS, FAQ_ID) for block in blocks.get(s, ())]
        for word, i in self.unexplained([block for _, block in in_order], lang, (condition.title, *condition.other_names)):
            path = _section_file(condition, in_order[i][0])
            line = condition.line_of(path.name, re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE))
            self.problems.warn(path, line, words.message(word, lang, self.words_file))

    @property
    def words_file(self) -> str:
        return self.problems.relative(self.project.content / words.WORDS_FILE)

    def unexplained(self, blocks: list[str], lang: str, subject: tuple[str, ...] = ()) -> list[tuple[str, int]]:
        """The rare words first met unexplained in `blocks` (words.py), or none when the language has no word list."""
        if not words.has_word_list(lang):
            self.no_word_list.add(words.language(lang))
            return []
        if lang not in self.finders:
            known = words.accepted(self.project.content, self.problems)
            self.finders[lang] = words.Unexplained(self.library.glossary, known, lang)
        return self.finders[lang].first_uses(blocks, subject)

    def grade(self, scored: SectionScore, path: Path, line: int | None, blocks: list[str]) -> None:
        """Keep a block's score, and warn where it misses the site's targets."""
        self.scores.append(scored)
        if not scored.score.formulas:
            self.unscored.add(scored.score.language)
        reading.warn(self.problems, path, line, scored.score, blocks, self.readability)

    def editorial_pages(self) -> None:
        """Editorial pages are read by patients too: the same targets."""
        for page in self.library.pages:
            blocks = editorial.text_blocks(page)
            score = measure(blocks, self.library.site.language)
            self.grade(SectionScore(self.prefix + editorial.FOLDER, page.slug, self.problems.relative(page.path),
                                    score), page.path, page.body.line, blocks)

    def glossary_meanings(self) -> None:
        """The glossary's meanings, scored on their own: the pages do not count them (content-format.md)."""
        glossary = self.library.glossary
        if glossary:
            path = self.project.content / GLOSSARY_FILE
            blocks = [term.means for term in glossary]
            score = measure(blocks, self.library.site.language)
            self.grade(SectionScore(self.prefix + "glossary", "meanings", self.problems.relative(path), score), path,
                       None, blocks)
            for word, i in self.unexplained(blocks, self.library.site.language):
                self.problems.warn(path, glossary[i].line, words.message(word, self.library.site.language, self.words_file))

    # -- glossary words met before their meaning
    def first_uses(self, condition: Condition, html: str) -> None:
        patterns = markup.term_patterns(self.library.glossary, skip=(condition.title, *condition.other_names))
        parser = _FirstUses(patterns)
        parser.feed(html)
        parser.close()
        glossary = self.project.content / GLOSSARY_FILE
        for regex, _means, key in patterns:
            place, section, spelling, of = parser.first.get(key, ("dfn",) * 4)
            if place in ("dfn", "bracketed"):
                continue
            if place == "meaning":
                meant = next((t for t in self.library.glossary if t.term.lower() == of), None)
                self.problems.warn(glossary, meant.line if meant else None,
                                   f"'{spelling}' is a glossary word, and on the {condition.title} page it "
                                   f"is first met inside the meaning of '{of}', where it is not explained. "
                                   f"Say it in plainer words in that meaning.")
                continue
            path = _section_file(condition, section)
            where = ("a heading" if re.fullmatch(r"h[1-6]", place) else _PLACES.get(place, "a place"))
            self.problems.warn(path, condition.line_of(path.name, regex),
                               f"'{spelling}' is a glossary word, but the page first uses it in {where}, "
                               "where the build cannot add its meaning. Use plain words there, or "
                               "explain the word in the text before it.")

    # -- review dates
    def review(self, condition: Condition) -> None:
        path = condition.folder / CONDITION_FILE
        if condition.next_review_due < self.today:
            self.problems.warn(path, condition.line_of(CONDITION_FILE, re.compile(r"^next_review_due:")),
                               f"this page was due for review on {condition.next_review_due.isoformat()}. "
                               "Check its facts and sources, then update 'last_reviewed' and "
                               "'next_review_due'.")
        if condition.last_reviewed > self.today:
            self.problems.warn(path, condition.line_of(CONDITION_FILE, re.compile(r"^last_reviewed:")),
                               f"'last_reviewed' is {condition.last_reviewed.isoformat()}, a day that has "
                               "not come yet. Write the day the page was last reviewed.")

    # -- links and #anchors
    def links(self, page: str) -> None:
        slug = page.removeprefix(self.prefix).split("/", 1)[0]
        condition = next((c for c in self.library.conditions if c.slug == slug), None)
        for href in dict.fromkeys(self.anchors[page].links):
            self._link(href, page, *self._written(condition, href, page))

    def unloaded_links(self, slug: str) -> None:
        """The links of a condition that did not load (its page was not made), read from its texts."""
        for path, text, exact in load.texts_of(self.project.content / slug, self.project.content):
            for href in dict.fromkeys(_anchors(text.html).links):
                at = text.source.find(href)
                line = text.line + text.source.count("\n", 0, at) if exact and text.line and at >= 0 else text.line
                self._link(href, f"{self.prefix}{slug}/index.html", path, line)

    def _link(self, href: str, page: str, path, line) -> None:
        base = self.library.site.base_url
        root = base if base.startswith(("http://", "https://")) else _HERE   # where `page` is published
        url, _, fragment = urljoin(root + page, href).partition("#")
        if url.startswith(root):
            self._internal(href, unquote(urlsplit(url).path[len(urlsplit(root).path):]), unquote(fragment),
                           path, line, page.split("/", 1)[0])
        elif urlsplit(url).scheme in ("http", "https", "mailto", "tel"):
            self.external.append(ExternalLink(self.problems.relative(path), line, href))

    def _internal(self, href: str, target: str, fragment: str, path, line, here: str = "") -> None:
        if target == "" or target.endswith("/"):
            target += "index.html"
        if target.removeprefix(self.prefix).split("/", 1)[0] in self.unknown:
            return
        if target not in self.pages and f"{target}/index.html" not in self.pages:
            folder = target.removeprefix(self.prefix).split("/", 1)[0]
            hint = (self._no_condition(folder, here) if "/" in target and not any(
                p.startswith(self.prefix + folder + "/") for p in self.pages) else "")
            hint = hint or " A link to another condition looks like '../kidney-stones/'."
            self.problems.error(path, line, f"the link '{href}' leads to a page that does not exist.{hint}")
            return
        target = target if target in self.pages else f"{target}/index.html"
        if fragment and target in self.anchors and fragment not in self.anchors[target].ids:
            self.problems.error(path, line, f"the link '{href}' points to '#{fragment}', which is not on "
                                "that page. A link to a section uses its file name, e.g. '#symptoms'.")

    def _no_condition(self, folder: str, here: str) -> str:
        """'There is no condition ...', with the nearest existing ones (all of them, in a small library)
        but the one the link is on."""
        slugs = sorted(({c.slug for c in self.library.conditions} | self.unknown) - {here})
        near = difflib.get_close_matches(folder, slugs, n=3, cutoff=0.6)
        if near:
            return f" There is no condition '{folder}'. Did you mean {' or '.join(f'../{s}/' for s in near)}?"
        if 0 < len(slugs) <= 5:
            return f" There is no condition '{folder}'. The conditions are: {', '.join(f'../{s}/' for s in slugs)}."
        return f" There is no condition '{folder}'."

    def _written(self, condition: Condition | None, href: str, page: str) -> tuple[Path | str, int | None]:
        """The content file and line a link was written on, or the page (a link from a template)."""
        if condition is not None:
            # As written: with `directory_urls: false` the page's '../x/index.html' was '../x/' or '../x'.
            written = dict.fromkeys((href, href.replace("/index.html", "/"), href.replace("/index.html", "")))
            for name, *_ in condition.located:
                line = next((at for at in (condition.line_of(name, h) for h in written) if at is not None), None)
                if line is not None:
                    return condition.folder / name, line
        return editorial.written(self.library, page.removeprefix(self.prefix), href) or (
            f"{page} (from the templates)", None)


def run(project: Project, today: dt.date, pdfs: bool = True) -> Report:
    """Check everything; write nothing but the PDF cache. `pdfs`: count each sheet's pages as the
    build's PDFs have them (False: faster, not counted)."""
    from ..publish import pdf
    skipped = pdf.unavailable() if pdfs else None
    gathered = gather(project, keep_models=True, today=today,
                      papers=pdf.PAPERS if pdfs and not skipped else ())
    library, problems = gathered.library, gathered.problems
    try:
        pages = {path: data for path, data, _ in site_files(gathered)} if gathered.renderer else {}
    except BuildError as exc:
        problems.extend(exc.problems)
        pages = {}
    scores, external, counts = [], [], {}
    unscored, no_word_list = set(), set()
    prefixes = tuple(g.edition.prefix for g in gathered.editions)
    for g in gathered.languages:     # the main language, then each language folder (languages.py)
        own = replace(project, content=g.edition.content, site_file=g.edition.content / "site.yaml") \
            if g.edition.translated else project
        if pdfs and not skipped:
            counts.update(count_sheets(own, g.library, pages, problems, g.edition.prefix))
        checker = Checker(own, g.library, problems, pages, today, g.edition.prefix)
        checker.run([p for p in sorted(checker.anchors) if p.startswith(g.edition.prefix) and
                     (g.edition.translated or not p.startswith(prefixes))])
        governance.check_problems(g.library, problems, today, own)
        checker.editorial_pages()
        checker.glossary_meanings()
        scores += checker.scores
        external += checker.external
        unscored |= checker.unscored
        no_word_list |= checker.no_word_list
    translations.catalog_problems(project.catalogs, project.templates,
                                  [g.edition.language for g in gathered.languages if g.edition and
                                   i18n.needs_catalog(g.edition.language)], problems)
    for g in gathered.editions:
        translations.stale_problems(project.content, [(c, g.renderer.place.source(c.slug) if g.renderer else None)
                                                      for c in g.library.conditions], problems)
    notes = [reading.unscored_note(unscored), words.no_word_list_note(no_word_list)]
    return Report(problems.sorted(), scores, sorted(set(external), key=_link_key), len(library.conditions), library,
                  counts, skipped and skipped.split(". To make them")[0], tuple(note for note in notes if note))


def count_sheets(project: Project, library: Library, pages: dict[str, bytes],
                 problems: Problems, prefix: str = "") -> dict[str, dict[str, int]]:
    """slug -> {paper: pages} of each rendered sheet, counted as the build makes its PDFs and
    through the same cache: after a build, only a sheet that changed since is laid out again.
    A sheet past two pages is a warning naming its longest lists. Adds the PDFs' paths to `pages`
    (empty), as the build publishes them, for the link check. `prefix`: the language's folder
    ("es/"), which also comes before the slugs it returns."""
    from ..publish import pdf
    from ..speed import sheets
    rendered = [c for c in library.conditions if prefix + c.prep_url + "index.html" in pages]
    try:
        counted = sheets.sheet_pages(rendered, pages, library.site.base_url, project.pdf_cache, problems,
                                     {c.slug: c for c in rendered}.get, prefix=prefix)
    except BuildError as exc:
        problems.extend(exc.problems)
        return {}
    pages.update((path, b"") for path in counted)
    return {prefix + c.slug: {paper.label: counted[prefix + c.prep_url + paper.filename(c.slug)] for paper in pdf.PAPERS}
            for c in rendered}


def _link_key(link: ExternalLink):
    return (link.path, link.line or 0, link.url)


# ------------------------------------------------------------------ output


def as_json(report: Report, strict: bool) -> str:
    problems = report.final(strict)
    return json.dumps({
        "problems": [{"path": p.path, "line": p.line, "severity": p.severity, "message": p.message}
                     for p in problems],
        "readability": [{"condition": s.condition, "section": s.section, "path": s.path,
                         "words": s.score.words, "sentences": s.score.sentences,
                         "language": s.score.language,
                         "scores": {f.name: round(f.value(s.score), 1) for f in s.score.formulas}}
                        for s in report.scores],
        "notes": list(report.notes),
        "external_links": [{"path": x.path, "line": x.line, "url": x.url} for x in report.external],
        "summary": {"conditions": report.conditions, "strict": strict,
                    "errors": sum(p.is_error for p in problems),
                    "warnings": sum(not p.is_error for p in problems)},
    }, indent=2, ensure_ascii=False)


def table(report: Report) -> str:
    """Readability per section, one block per condition, in its language's formulas, for people."""
    if not report.scores:
        return ""
    target = report.library.site.readability
    used = dict.fromkeys(f for s in report.scores for f in s.score.formulas)
    aims = [f"{f.name} {f.target_words(getattr(target, f.setting))}" for f in used
            if getattr(target, f.setting) is not None]
    lines = [f"Readability (targets: {'; '.join(aims) or 'none'}; at most {target.max_words} words a section; "
             "glossary meanings not counted)"]
    slug = None
    for s in report.scores:
        formulas = s.score.formulas
        if s.condition != slug:
            slug = s.condition
            lines += ["", slug if formulas else f"{slug} (not scored: no formula for '{s.score.language}')",
                      f"  {'section':<18} {'words':>5} {'sentences':>9}"
                      + "".join(f" {f.short:>{max(5, len(f.short))}}" for f in formulas)]
        over = reading.over(s.score, target)
        lines.append(f"  {s.section:<18} {s.score.words:>5} {s.score.sentences:>9}"
                     + "".join(f" {_grade(f.value(s.score)):>{max(5, len(f.short))}}" for f in formulas)
                     + ("  over target" if over else ""))
    return "\n".join(lines)


def _grade(value: float) -> str:
    return f"{round(value, 1) + 0.0:.1f}"      # + 0.0: never "-0.0"


def as_text(report: Report, strict: bool, verbose: bool) -> tuple[str, str]:
    """(the readability table and, with `verbose`, the external links; the problems and verdict).
    Problems go to stderr, as the build's do."""
    problems = report.final(strict)
    out = [table(report)] if report.scores else []
    if verbose and report.external:
        out += ["", "External links (listed, not visited):"]
        out += [f"{x.path}:{x.line}: {x.url}" if x.line else f"{x.path}: {x.url}" for x in report.external]
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    if errors:
        verdict = (f"Check failed: {errors} error(s)" + (f", {warnings} warning(s)" if warnings else "")
                   + f" in {report.conditions} condition(s) that loaded."
                   + (" (--strict: warnings count as errors.)" if strict and any(
                       p.severity == WARNING for p in report.problems) else ""))
    elif warnings:
        verdict = f"Check passed with {warnings} warning(s) in {report.conditions} condition(s)."
    else:
        verdict = f"Check passed: no problems in {report.conditions} condition(s)."
    note = [f"Sheet pages not counted: {report.sheets_note}"] if report.sheets_note else []
    return "\n".join(out), "\n".join([*map(str, problems), *report.notes, *note, verdict])
