"""Markdown to safe HTML, and the glossary pass that explains medical words on first use."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import markdown
import nh3
from markupsafe import Markup

# Content is trusted to write text, not code: everything else is removed.
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
    "blockquote", "code", "abbr", "sup", "sub", "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Looks like template code: never published (content with it is refused, and so is a page).
TEMPLATE_TEXT = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")

_md = markdown.Markdown(extensions=["sane_lists", "smarty"], output_format="html")


@dataclass(frozen=True)
class Removal:
    """Something the sanitizer drops, in words an editor understands, and the line of the
    Markdown source it was found on (0 = the first line)."""

    what: str
    offset: int = 0

    def __str__(self) -> str:
        return self.what


_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def _scheme(url: str) -> str | None:
    """The URL's scheme as a browser reads it (it ignores tabs, newlines and leading spaces)."""
    m = _SCHEME.match(re.sub(r"[\t\n\r]", "", url).lstrip("".join(map(chr, range(33)))))
    return m.group(1).lower() if m else None


def _removed_parts(raw_html: str) -> list[tuple[str, str]]:
    """What the sanitizer will drop, each with a regex that finds it in the Markdown source."""
    found: list[tuple[str, str]] = []

    class Finder(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag not in ALLOWED_TAGS:
                found.append((f"<{tag}>", rf"<\s*{re.escape(tag)}\b"))
                return
            for name, value in attrs:
                scheme = _scheme(value or "") if name == "href" else None
                if name not in ALLOWED_ATTRIBUTES.get(tag, set()):
                    found.append((f"the '{name}' attribute of <{tag}>", rf"\b{re.escape(name)}\s*="))
                elif scheme is not None and scheme not in URL_SCHEMES:
                    found.append((f"a '{scheme}:' link", rf"{re.escape(scheme)}\s*:"))

    Finder().feed(raw_html)
    return found


def _locate(source: str, parts: list[tuple[str, str]]) -> list[Removal]:
    """Find each removed part in the source, in order; a part not found is put on line 0."""
    out, after = [], {}
    for what, pattern in parts:
        m = re.compile(pattern, re.IGNORECASE).search(source, after.get(pattern, 0))
        after[pattern] = m.end() if m else after.get(pattern, 0)
        out.append(Removal(what, source.count("\n", 0, m.start()) if m else 0))
    return out


def sanitize(raw_html: str) -> tuple[str, list[tuple[str, str]]]:
    clean = nh3.clean(raw_html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes=URL_SCHEMES, link_rel=None)
    return clean, _removed_parts(raw_html)


def render_block(source: str) -> tuple[Markup, list[Removal]]:
    """Markdown paragraphs, lists and sub-headings -> sanitized HTML (and what was removed)."""
    _md.reset()
    clean, removed = sanitize(_md.convert(source))
    return Markup(clean), _locate(source, removed)


def render_inline(source: str) -> tuple[Markup, list[Removal]]:
    """One line of Markdown (a list item, a heading) without the wrapping paragraph."""
    out, removed = render_block(source)
    text = str(out).strip()
    if text.startswith("<p>") and text.endswith("</p>") and text.count("<p>") == 1:
        text = text[3:-4]
    return Markup(text), removed


def plain_text(html_text: str) -> str:
    """Visible text of an HTML fragment (for readability and descriptions)."""
    parts: list[str] = []

    class Text(HTMLParser):
        def handle_data(self, data):
            parts.append(data)

    Text(convert_charrefs=True).feed(html_text)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


# Text inside these is never given a glossary explanation: headings and questions stay short,
# links and form labels keep their exact wording.
NO_EXPLAIN = {"h1", "h2", "h3", "h4", "h5", "h6", "a", "dfn", "abbr", "code", "summary",
               "label", "button", "option", "textarea", "title", "script", "style", "nav", "legend",
               "th"}
VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "base", "embed", "track"}


class _Explainer(HTMLParser):
    def __init__(self, patterns):
        super().__init__(convert_charrefs=False)
        self.patterns = patterns          # list of (compiled regex, means, key)
        self.done: set[str] = set()
        self.out: list[str] = []
        self.in_main = 0
        self.blocked: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag == "main":
            self.in_main += 1
        if tag in NO_EXPLAIN and tag not in VOID:
            self.blocked.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        if tag == "main":
            self.in_main -= 1
        if self.blocked and self.blocked[-1] == tag:
            self.blocked.pop()

    def handle_data(self, data):
        if not self.in_main or self.blocked:
            self.out.append(data)
            return
        self.out.append(self._explain(data))

    def _explain(self, data: str) -> str:
        out, pos = [], 0
        while True:
            best = None
            for regex, means, key in self.patterns:
                if key in self.done:
                    continue
                m = regex.search(data, pos)
                if m and (best is None or m.start() < best[0].start()):
                    best = (m, means, key)
            if best is None:
                out.append(data[pos:])
                return "".join(out)
            m, means, key = best
            self.done.add(key)
            out.append(data[pos:m.end()] if already_explained(data, m) else
                       f"{data[pos:m.start()]}<dfn>{m.group(0)}</dfn> ({html.escape(means)})")
            pos = m.end()

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")


def already_explained(text: str, m: re.Match) -> bool:
    """The editor explained it in brackets: 'biopsy (a small skin sample)' or 'a small sample (biopsy)'."""
    after = text[m.end():].lstrip()
    before = text[:m.start()].rstrip()
    return after.startswith("(") or before.endswith("(")


def term_patterns(glossary, skip: tuple[str, ...] = ()) -> list[tuple[re.Pattern, str, str]]:
    """(regex, meaning, key) for each glossary term a page explains; `check` matches with the same.

    Terms in `skip` (the page's own subject, which its summary defines) are left out."""
    skipped = {s.lower() for s in skip}
    patterns = []
    for entry in glossary:
        if skipped & {s.lower() for s in entry.spellings}:
            continue
        spellings = sorted(entry.spellings, key=len, reverse=True)
        regex = re.compile(r"\b(?:" + "|".join(re.escape(s) for s in spellings) + r")\b", re.IGNORECASE)
        patterns.append((regex, entry.means, entry.term.lower()))
    # Longer terms first, so "parathyroid hormone" wins over "parathyroid" at the same place.
    patterns.sort(key=lambda p: -len(p[2]))
    return patterns


def explain_terms(page_html: str, glossary, skip: tuple[str, ...] = ()) -> str:
    """Add '(meaning)' after the first use of each glossary term inside <main>.

    Terms in `skip` (the page's own subject, which its summary defines) are left alone."""
    explainer = _Explainer(term_patterns(glossary, skip))
    explainer.feed(page_html)
    explainer.close()
    return "".join(explainer.out)
