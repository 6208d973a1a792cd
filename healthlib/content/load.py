"""Stage 1, load & validate: content files -> typed model, with every problem collected.

Raises BuildError listing all problems (not just the first) when any file is wrong.
"""
from __future__ import annotations

import contextvars
import difflib
import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

from markupsafe import escape

from ..errors import Problems
from ..text import headings, markup
from . import address, care, governance, guard, itemlists
from .model import (SECTION_KINDS, CareCard, Condition, FaqEntry, GlossaryTerm, Related,
                    ItemList, Readability, Section, Site, SourceRef, Text)
from .sources import Doc, MarkdownFile, as_date, body_of, parse_yaml, read_text, split_front_matter

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Top-level folders the site itself writes (render.py); a condition page there would clash
# with them, and hosts cache /assets/ for a year (see _headers).
SITE_FOLDERS = ("assets",)
LIST_ID = SLUG
CONDITION_FILE = "condition.yaml"
FAQ_FILE = "faq.yaml"
GLOSSARY_FILE = "glossary.yaml"
DOCS = "docs/content-format.md"
# Every setting site.yaml may have (each documented in docs/content-format.md).
SITE_SETTINGS = ("name", "base_url", "language", "organisation", "contact", "description", "disclaimer",
                 "readability", "alphabet", "markdown_time_limit", "locale", "care_levels", "directory_urls",
                 *governance.SITE_SETTINGS)


class Fields:
    """Typed access to one YAML mapping, reporting each wrong value with its line."""

    def __init__(self, doc: Doc, problems: Problems, key: tuple = (), data=None):
        self.doc, self.problems, self.key = doc, problems, key
        self.data = doc.data if data is None else data

    def line(self, *name) -> int | None:
        key = self.key + name
        lines = self.doc.lines
        return lines[key] if key in lines else self.doc.line(*key)

    def error(self, name, message: str) -> None:
        self.problems.error(self.doc.path, self.line(*([name] if name is not None else [])), message)

    def known(self, allowed: tuple[str, ...]) -> None:
        for name in self.data:
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
                hint = f" Did you mean '{close[0]}'?" if close else f" Allowed here: {', '.join(allowed)}."
                self.error(name, f"unknown setting '{name}'.{hint}")

    def _missing(self, name: str, what: str) -> None:
        if name in self.data:   # 'name:' with nothing after it, as `build.py new` leaves it
            self.error(name, f"'{name}' is empty. Write {what} after '{name}:'.")
            return
        self.problems.error(self.doc.path, self.line(), f"'{name}' is missing. Add '{name}:' with {what}.")

    def group(self, name: str, what: str) -> "Fields | None":
        """The 'name:' block of settings inside this one, or None (reported if it is not a block)."""
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(name, f"'{name}' must be {what}, not {_kind(value)}.")
            return None
        return Fields(self.doc, self.problems, self.key + (name,), value)

    def number(self, name: str, default: float, low: float, high: float) -> float:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            self.error(name, f"'{name}' must be a number from {low:g} to {high:g}; got {_kind(value)}.")
            return default
        return value

    def yes_no(self, name: str, default: bool) -> bool:
        value = self.data.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(name, f"'{name}' must be yes or no (true or false); got '{value}'.")
            return default
        return value

    def text(self, name: str, required: bool = True, what: str = "some text") -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self._missing(name, what)
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(name, f"'{name}' must be {what}, not {_kind(value)}.")
            return None
        value = str(value).strip()
        if not value:
            self.error(name, f"'{name}' is empty. Write {what}, or remove the line.")
            return None
        self._no_template_syntax(value, name)
        return value

    def _list(self, name: str, required: bool, what: str, how: str = "") -> list | None:
        """The list at `name`, or None after reporting (if required) that it is missing or not a list."""
        value = self.data.get(name)
        if value is None:
            if required:
                self._missing(name, what)
            return None
        if not isinstance(value, list):
            self.error(name, f"'{name}' must be {what}{how}, not {_kind(value)}.")
            return None
        return value

    def texts(self, name: str, required: bool = True, low: int = 0, high: int | None = None,
              what: str = "a list of short texts") -> list[str]:
        value = self._list(name, required, what, " (lines starting with '- ')")
        if value is None:
            return []
        out = []
        for i, item in enumerate(value):
            if item is None or (isinstance(item, str) and not item.strip()):
                self.problems.error(self.doc.path, self.line(name, i),
                                    f"item {i + 1} of '{name}' is empty. Write it after the '- ', or delete the line.")
            elif isinstance(item, bool) or not isinstance(item, (str, int, float)):
                self.problems.error(self.doc.path, self.line(name, i),
                                    f"item {i + 1} of '{name}' must be text, not {_kind(item)}.")
            else:
                out.append(str(item).strip())
                self._no_template_syntax(out[-1], name, i)
        if len(value) < low or (high is not None and len(value) > high):
            span = f"{low} to {high}" if high is not None else f"at least {low}"
            self.error(name, f"'{name}' must have {span} items; it has {len(value)}.")
        return out

    def _no_template_syntax(self, text: str, *name) -> None:
        if markup.TEMPLATE_TEXT.search(text):    # (rare) only then is its line looked up
            _no_template_syntax(text, self.problems, self.doc.path, self.line(*name))

    def date(self, name: str):
        value = self.data.get(name)
        if value is None:
            self._missing(name, "a date like 2027-01-31")
            return None
        parsed = as_date(value)
        if parsed is None:
            self.error(name, f"'{name}' must be a date like 2027-01-31; got '{value}'.")
        return parsed

    def maps(self, name: str, required: bool = True, what: str = "a list of entries") -> list["Fields"]:
        out = []
        for i, item in enumerate(self._list(name, required, what) or []):
            if isinstance(item, dict):
                out.append(Fields(self.doc, self.problems, self.key + (name, i), item))
            else:
                self.problems.error(self.doc.path, self.line(name, i),
                                    f"item {i + 1} of '{name}' must be a group of 'name: value' settings, "
                                    f"not {_kind(item)}.")
        return out


def _no_template_syntax(text: str, problems: Problems, path: Path, line: int | None) -> None:
    """Content is text: '{{ ... }}' in it is a leftover placeholder that must never be published."""
    m = markup.TEMPLATE_TEXT.search(text)
    if m:
        problems.error(path, line if line is None else line + text.count("\n", 0, m.start()),
                       f"'{m.group(0)}' looks like an unfilled placeholder. Replace it with the real text.")


def _kind(value) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a group of settings"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"yes/no ({value})"
    return f"'{value}'"


def _entries(doc: Doc, name: str, problems: Problems) -> list[Fields]:
    """The entries of a file that is one YAML list, checked like a list setting called `name`."""
    named = Doc(doc.path, {name: doc.data}, {(name, *key): line for key, line in doc.lines.items()})
    return Fields(named, problems).maps(name)


@guard.one_file(fallback=None)
def _read_yaml(path: Path, root: Path, problems: Problems) -> Doc | None:
    text = read_text(path, root, problems)
    if text is None:
        return None
    return parse_yaml(text, path, problems)


def _markdown(fields: Fields | None, problems: Problems, path: Path, source: str, line: int | None,
              inline: bool = False, exact_lines: bool = False, top_heading: int = 3) -> Text:
    """`exact_lines`: the source is the file's text from `line` on (a section body), so each
    removed part is reported on its own line, not on the first. `top_heading`: the highest
    heading level the text may use (a condition's sections: 3)."""
    if not inline:   # inline items were checked as texts already
        _no_template_syntax(source, problems, path, line)
    rendered = guard.convert(markup.render_inline if inline else markup.render_block, source, path, line,
                             exact_lines, problems)
    if rendered is None:   # refused, and reported: the text stands in, never published
        return Text(source, escape(source), line)
    html, removed = rendered
    high = re.search(rf"<h[1-{top_heading - 1}][ >]", html) or any(str(p) == "<h1>" for p in removed)
    for part in removed:
        at = line + part.offset if exact_lines and line else line
        if not (high and str(part) == "<h1>"):   # a '#' heading: reported below, with its level
            problems.error(path, at, f"{part} is not allowed in content and was removed. "
                           "Write plain text and Markdown only.")
    if high:
        for offset, level, heading in headings.too_high(source, top_heading) or [(0, 1, "")]:
            problems.error(path, line + offset if exact_lines and line else line,
                           headings.message(level, heading, top_heading))
    text = Text(source, html, line)
    if (read := _READ.get()) is not None:
        read.append((path, text, exact_lines))
    return text


# Set by texts_of(): every Markdown text read, for the checks of a condition that did not load.
_READ: contextvars.ContextVar[list | None] = contextvars.ContextVar("read_texts", default=None)


def texts_of(folder: Path, content: Path) -> list[tuple[Path, Text, bool]]:
    """(file, text, whether its lines are exact) of every Markdown text of a condition folder that
    can be read, even when the condition has errors: check follows their links too."""
    read: list = []
    token = _READ.set(read)
    try:
        load_condition(folder, content, Problems())
    finally:
        _READ.reset(token)
    return read


def _texts(fields: Fields, name: str, problems: Problems, **kw) -> tuple[Text, ...]:
    items = fields.texts(name, **kw)
    raw = fields.data.get(name) or []
    out = []
    for i, item in enumerate(items):
        line = fields.line(name, i) if i < len(raw) else fields.line(name)
        out.append(_markdown(fields, problems, fields.doc.path, item, line, inline=True))
    return tuple(out)


def base_url_problem(value: str) -> str | None:
    """Why `value` cannot be the site's public address (site.yaml `base_url`, `--base-url`), or None.

    Canonical links, sharing tags and the sitemap must be absolute, so it needs scheme and host."""
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return (f"'{value}' is not a full web address. Write the address the site is published at, "
                "starting with https://, like https://example.org/health/.")
    if parts.query or parts.fragment:
        return f"'{value}' must not contain '?' or '#'. Write the address of the site's folder only."
    return None


def as_base_url(value: str) -> str:
    """A base URL ends with '/', so page paths can be appended to it."""
    return value if value.endswith("/") else value + "/"


def load_site(path: Path | None, problems: Problems) -> Site:
    if path is None or not path.exists():
        return Site()
    doc = _read_yaml(path, path.parent, problems)
    if doc is None:
        return Site()
    if not isinstance(doc.data, dict):
        problems.error(path, 1, "the site settings must be 'name: value' lines.")
        return Site()
    f = Fields(doc, problems)
    f.known(SITE_SETTINGS)
    base_url = f.text("base_url", required=False,
                      what="the address the site is published at, like https://example.org/health/")
    problem = base_url_problem(base_url) if base_url is not None else None
    if problem:
        f.error("base_url", problem)
    base_url = as_base_url(base_url) if base_url and not problem else "/"
    site = Site(name=f.text("name") or "Health Library", base_url=base_url,
                language=_language(f), locale=locale_setting(f),
                organisation=f.text("organisation", required=False) or "",
                contact=f.text("contact", required=False) or "",
                description=f.text("description", required=False) or "",
                disclaimer=f.text("disclaimer", required=False) or Site.disclaimer,
                readability=_readability(f.group("readability", "settings like 'target_grade: 8'")),
                alphabet=_alphabet(f),
                markdown_time_limit=f.number("markdown_time_limit", Site.markdown_time_limit, 0.1, 600),
                directory_urls=f.yes_no("directory_urls", Site.directory_urls),
                care_levels=care.site_levels(f), **governance.site_settings(f))
    written = f.data.get("base_url")
    if not problem and (warning := address.problem(written and base_url, site.demonstration)):
        problems.warn(path, f.line("base_url") if "base_url" in f.data else f.line(), warning)
    return site


def _language(f: Fields) -> str:
    """`language:` the main language's BCP 47 code ('en', 'es', 'pt-BR')."""
    code = f.text("language", required=False, what="a language code such as 'en'") or "en"
    if _cldr_locale(code) is None:
        f.error("language", f"'{code}' is not a language code. Write one such as 'en', 'es' or 'pt-BR'.")
        return "en"
    return code


def locale_setting(f: Fields) -> str:
    """`locale:` how dates are written, as a CLDR locale ('en-US': December 6, 2026; 'en-GB':
    6 December 2026); "" for the language's own."""
    code = f.text("locale", required=False, what="a locale such as 'en-US' or 'en-GB'")
    if code and _cldr_locale(code) is None:
        f.error("locale", f"'{code}' is not a locale Babel knows. Write one such as 'en-US', 'en-GB' or 'es-MX'.")
        return ""
    return code or ""


def _cldr_locale(code: str):
    from babel import Locale, UnknownLocaleError
    try:
        return Locale.parse(code, sep="-")
    except (ValueError, UnknownLocaleError):
        return None


def _alphabet(f: Fields) -> tuple[str, ...]:
    """`alphabet:` the A-Z's letters in order, separated by spaces ('A B C ... N Ñ O ...')."""
    text = f.text("alphabet", required=False, what="the letters of the A-Z in order, separated by spaces")
    if text is None:
        return Site.alphabet
    letters = tuple(letter.upper() for letter in text.split())
    twice = sorted({letter for letter in letters if letters.count(letter) > 1})
    if twice:
        f.error("alphabet", f"'alphabet' has {', '.join(repr(t) for t in twice)} more than once. "
                "Write each letter once.")
    return tuple(dict.fromkeys(letters))


def _readability(f: Fields | None) -> Readability:
    if f is None:
        return Readability()
    f.known(("target_grade", "smog_target", "max_words", "inflesz_target", "fernandez_huerta_target"))
    return Readability(target_grade=f.number("target_grade", Readability.target_grade, 1, 18),
                       smog_target=f.number("smog_target", Readability.smog_target, 1, 18),
                       max_words=int(f.number("max_words", Readability.max_words, 50, 5000)),
                       inflesz_target=f.number("inflesz_target", Readability.inflesz_target, 0, 206),
                       fernandez_huerta_target=f.number("fernandez_huerta_target", None, 0, 206))


def load_glossary(path: Path, root: Path, problems: Problems) -> tuple[GlossaryTerm, ...]:
    if not path.exists():
        return ()
    doc = _read_yaml(path, root, problems)
    if doc is None or doc.data is None:
        return ()
    if not isinstance(doc.data, list):
        problems.error(path, 1, "the glossary must be a list of entries, each starting with '- term:'.")
        return ()
    terms, seen = [], {}
    for entry in _entries(doc, "terms", problems):
        entry.known(("term", "forms", "means"))
        term, means = entry.text("term"), entry.text("means", what="a short plain explanation")
        forms = entry.texts("forms", required=False)
        if term is None or means is None:
            continue
        if term.lower() in seen:
            entry.error("term", f"'{term}' is in the glossary twice (first on line {seen[term.lower()]}). "
                        "Keep one entry.")
            continue
        seen[term.lower()] = entry.line("term")
        terms.append(GlossaryTerm(term, means, tuple(forms), entry.line("means")))
    return tuple(sorted(terms, key=lambda t: t.term.lower()))


def _groups(f: Fields, problems: Problems, name: str, key: str, *, needed: tuple[str, ...], required: bool,
            what: str, key_what: str, heading_what: str, bad_key, twice,
            more: tuple[str, ...] = ()) -> list[tuple[Fields, str, str, tuple[Text, ...]]]:
    """The (settings, key, heading, items) groups of a section's `lists` or `cards`: each key valid
    (`bad_key` says why not) and used once (`twice` words the clash); every `needed` key present.
    `more`: the other settings a group may have."""
    out, seen = [], {}
    for g in f.maps(name, required=required, what=what):
        g.known((key, "heading", "items", *more))
        value, heading = g.text(key, what=key_what), g.text("heading", what=heading_what)
        items = _texts(g, "items", problems, low=1)
        if value is None:
            continue
        problem = bad_key(value) or (twice(value, seen[value]) if value in seen else None)
        if problem:
            g.error(key, problem)
            continue
        seen[value] = g.line(key)
        if heading and items:
            out.append((g, value, heading, items))
    for want in needed:
        if want not in seen:
            f.error(name if name in f.data else None,
                    f"this section needs {'a list' if name == 'lists' else 'a card'} with '{key}: {want}' "
                    f"(see {DOCS}).")
    return out


@guard.one_file(fallback=None)
def _load_section(kind, path: Path, root: Path, problems: Problems, titles: dict, located: dict) -> Section | None:
    """`titles`: headings of the condition's sections so far (lower case -> file), to refuse a repeat."""
    text = read_text(path, root, problems)
    if text is None:
        return None
    md: MarkdownFile | None = split_front_matter(text, path, problems)
    if md is None:
        if (body := body_of(text)) is not None:    # the settings cannot be read; the text still can
            _markdown(None, problems, path, *body, exact_lines=True)
        return None
    located[path.name] = (md.meta, ((md.body_line, md.body),))
    f = Fields(md.meta, problems)
    f.known(("title", "lists", "cards", "closing"))
    title = f.text("title", what="the section heading")
    if title is not None:
        first = titles.setdefault(title.lower(), path)
        if first != path:
            f.error("title", f"the heading '{title}' is also the heading of {first.name}. "
                    "Give each section its own heading, so readers can tell them apart.")
    body = _markdown(f, problems, path, md.body, md.body_line, exact_lines=True)
    if not markup.plain_text(body.html):
        problems.warn(path, md.body_line, "this section has no text yet. Write a few plain sentences "
                      "under the second '---' line.")

    lists = [ItemList(list_id, heading, items, *itemlists.settings(g, kind, list_id), line=g.line("id"))
             for g, list_id, heading, items in _groups(
        f, problems, "lists", "id", needed=kind.required_lists, required=bool(kind.needs_lists or kind.required_lists),
        what="a list of groups, each with 'id', 'heading' and 'items'",
        key_what="a short lower-case name, such as 'early'", heading_what="the heading shown above the list",
        bad_key=lambda v: None if LIST_ID.match(v) else
        f"the list id '{v}' must be lower-case letters, digits and hyphens.",
        twice=lambda v, line: f"the list id '{v}' is used twice (first on line {line}).", more=itemlists.SETTINGS)]
    cards = [CareCard(urgency, heading, items, g.line("urgency")) for g, urgency, heading, items in _groups(
        f, problems, "cards", "urgency", needed=(), required=kind.needs_cards,
        what="a list of cards, each with 'urgency', 'heading' and 'items'",
        key_what="the id of a care level, such as 'urgent'", heading_what="the card heading",
        bad_key=lambda v: None,    # checked against the library's levels (care.py), with the nearest named
        twice=lambda v, line: f"there are two '{v}' cards (first on line {line}). Put all their items in one card.")]

    closing_src = f.text("closing", required=False, what="Markdown text")
    closing = _markdown(f, problems, path, closing_src, f.line("closing")) if closing_src else None
    if title is None:
        return None
    return Section(kind.id, title, body, tuple(lists), tuple(cards), closing, path)


@guard.one_file(fallback=())
def _load_faq(path: Path, root: Path, problems: Problems, located: dict) -> tuple[FaqEntry, ...]:
    doc = _read_yaml(path, root, problems)
    if doc is None:
        return ()
    located[path.name] = (doc, ())
    if not isinstance(doc.data, list):
        problems.error(path, 1, "the FAQ must be a list of entries, each starting with '- question:'.")
        return ()
    out, seen = [], {}
    for entry in _entries(doc, "faq", problems):
        entry.known(("question", "answer"))
        q, a = entry.text("question", what="a question"), entry.text("answer", what="the answer in Markdown")
        if q is None or a is None:
            continue
        key = re.sub(r"\W+", " ", q.lower()).strip()
        if key in seen:
            entry.error("question", f"the question '{q}' is asked twice (first on line {seen[key]}). Remove one.")
            continue
        seen[key] = entry.line("question")
        if not q.endswith("?"):
            problems.warn(path, entry.line("question"), f"the question '{q}' should end with '?'.")
        out.append(FaqEntry(q, _markdown(entry, problems, path, a, entry.line("answer"))))
    return tuple(out)


def slug_problem(slug: str) -> str | None:
    """Why `slug` cannot name a condition folder (it becomes the page's web address), or None."""
    if not SLUG.match(slug):
        ascii_name = unicodedata.normalize("NFKD", slug).encode("ascii", "ignore").decode().lower()
        suggestion = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-") or "condition-name"
        return (f"the folder name '{slug}' cannot be a web address. Use lower-case "
                f"letters, digits and single hyphens, e.g. '{suggestion}'.")
    if slug in SITE_FOLDERS:
        return (f"the folder name '{slug}' is taken by the site's own '{slug}/' folder. "
                f"Rename the folder, e.g. '{slug}-condition'.")
    return None


def _present_files(folder: Path, problems: Problems) -> dict[str, Path]:
    """The condition's files that are there, by name; a missing one is an error, an unknown one a warning."""
    expected = {CONDITION_FILE, FAQ_FILE, *(f"{k.id}.md" for k in SECTION_KINDS)}
    for extra in sorted(name for name in os.listdir(folder) if not name.startswith(".")):
        if extra not in expected:
            close = difflib.get_close_matches(extra, sorted(expected), n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else " Remove it or move it elsewhere."
            problems.warn(folder / extra, None, f"unknown file; the build ignores it.{hint}")
    present = {}
    for name in sorted(expected):
        if (folder / name).exists():
            present[name] = folder / name
        else:
            problems.error(folder / name, None, f"this file is missing; every condition needs it. "
                           f"Create it (see {DOCS}, or run 'python3 build.py new' for a template).")
    return present


def _sources(f: Fields) -> tuple[SourceRef, ...]:
    sources = []
    for s in f.maps("sources", what="a list of sources, each with 'title', 'publisher' and 'url'"):
        s.known(("title", "publisher", "url", "accessed"))
        url = s.text("url", what="an https:// address")
        if url and not url.startswith(("https://", "http://")):
            s.error("url", f"the source address '{url}' must start with https://.")
            url = None
        given = s.data.get("accessed") is not None
        accessed = as_date(s.data["accessed"]) if given else None
        if given and accessed is None:
            s.error("accessed", f"'accessed' must be a date like 2027-01-31; got '{s.data['accessed']}'.")
        title, publisher = s.text("title", what="the source's title"), s.text("publisher", what="who published it")
        if url and title and publisher:
            sources.append(SourceRef(title, publisher, url, accessed))
    if "sources" in f.data and not sources and isinstance(f.data["sources"], list):
        f.error("sources", "list at least one source the facts were checked against.")
    return tuple(sources)


def _condition_settings(meta: Doc, problems: Problems, translated: bool = False) -> dict:
    """condition.yaml's settings, checked, as Condition's keyword arguments. `translated`: the
    condition is in a language folder (its `translation:` block is required there, refused elsewhere)."""
    f = Fields(meta, problems)
    f.known(("title", "other_names", "summary", "key_points", "last_reviewed", "next_review_due", "sources",
             "related", *governance.CONDITION_SETTINGS))
    settings = dict(title=f.text("title", what="the condition's name"),
                    other_names=tuple(f.texts("other_names", required=False)),
                    related=related_entries(f),
                    summary=f.text("summary", what="one or two plain sentences"),
                    key_points=tuple(f.texts("key_points", low=3, high=5)),
                    last_reviewed=f.date("last_reviewed"), next_review_due=f.date("next_review_due"))
    if settings["last_reviewed"] and settings["next_review_due"] and \
            settings["next_review_due"] <= settings["last_reviewed"]:
        f.error("next_review_due", "'next_review_due' must be after 'last_reviewed'.")
    settings["sources"] = _sources(f)
    return settings | governance.condition_settings(f, translated)


def related_entries(f: Fields) -> tuple[Related, ...]:
    """`related:`, the slugs of other conditions, each with its line. Whether they exist is
    checked once every folder is known (related.py)."""
    slugs = f.texts("related", required=False, what="a list of condition folder names, like kidney-stones")
    return tuple(Related(slug, f.line("related", i)) for i, slug in enumerate(slugs))


def _load_condition(folder: Path, root: Path, problems: Problems, language: str = "en",
                    translated: bool = False) -> Condition | None:
    items_before = len(problems.items)
    if (problem := slug_problem(folder.name)) is not None:
        problems.error(folder, None, problem)
    present = _present_files(folder, problems)
    located: dict[str, tuple] = {}
    meta = _read_yaml(present[CONDITION_FILE], root, problems) if CONDITION_FILE in present else None
    if meta is not None and not isinstance(meta.data, dict):
        problems.error(meta.path, 1, "condition.yaml must be 'name: value' lines (title:, summary:, ...).")
        meta = None
    sections, titles = [], {}
    for kind in SECTION_KINDS:
        if f"{kind.id}.md" in present:
            section = _load_section(kind, present[f"{kind.id}.md"], root, problems, titles, located)
            if section is not None:
                sections.append(section)
    faq = _load_faq(present[FAQ_FILE], root, problems, located) if FAQ_FILE in present else ()
    if meta is None:
        return None
    located[CONDITION_FILE] = (meta, ())
    settings = _condition_settings(meta, problems, translated)
    if any(p.is_error for p in problems.items[items_before:]):
        return None
    in_page_order = (CONDITION_FILE, *(f"{k.id}.md" for k in SECTION_KINDS), FAQ_FILE)
    return Condition(folder.name, **settings, sections=tuple(sections), faq=faq, folder=folder, language=language,
                     located=tuple((name, *located[name]) for name in in_page_order if name in located))


def condition_folders(content: Path) -> list[Path]:
    with os.scandir(content) as entries:
        names = sorted(e.name for e in entries if e.is_dir() and not e.name.startswith((".", "_")))
    # A folder with its own site.yaml is a language folder (languages.py), not a condition.
    return [content / name for name in names if not (content / name / "site.yaml").is_file()]


def load_condition(folder: Path, content: Path, problems: Problems, language: str = "en",
                   translated: bool = False) -> Condition | None:
    """One condition folder of `content`, or None after reporting its problems. `language`: its
    text's; `translated`: it is in a language folder (languages.py)."""
    if folder.is_symlink():
        try:
            folder.resolve().relative_to(content.resolve())
        except ValueError:
            problems.error(folder, None, "this folder links outside the content folder. "
                           "Copy it into the content folder instead of linking to it.")
            return None
    return _load_condition(folder, content, problems, language, translated)


def load_shared(content: Path, site_file: Path | None, problems: Problems, site: Site | None = None
                ) -> tuple[Site, tuple[GlossaryTerm, ...], list[Path]]:
    """What every condition's pages are made from besides the condition: the site settings (from
    `site_file`, or `site` already read: a language folder's) and the glossary; and the condition
    folders to load."""
    if not content.is_dir():
        problems.error(content, None, "the content folder does not exist.")
        return Site(), (), []
    site = site or load_site(site_file, problems)
    guard.set_time_limit(site.markdown_time_limit)
    glossary = load_glossary(content / GLOSSARY_FILE, content, problems)
    folders = condition_folders(content)
    if not folders:
        problems.error(content, None, "there are no condition folders. Create one with 'python3 build.py new <name>'.")
    return site, glossary, folders
