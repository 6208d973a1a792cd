"""Markdown to safe HTML, and the glossary pass that explains medical words on first use."""
from __future__ import annotations

import bisect
import functools
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

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


@functools.lru_cache(maxsize=1)
def _markdown():
    # Made on first use: a rebuild whose content is all cached, or plain, never needs Markdown.
    import markdown
    return markdown.Markdown(extensions=["sane_lists", "smarty"], output_format="html")


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
    """Find each removed part in the source, in order; a part not found is put on line 0.
    Lines are searched as a browser reads them (entities decoded, tabs dropped), so that
    'java&#x09;script:' is found too."""
    lines = [re.sub(r"[\t\r]", "", html.unescape(line)) for line in source.split("\n")]
    out, after = [], {}
    for what, pattern in parts:
        regex = re.compile(pattern, re.IGNORECASE)
        start, col = after.get(pattern, (0, 0))
        for i in range(start, len(lines)):
            m = regex.search(lines[i], col if i == start else 0)
            if m:
                after[pattern] = (i, m.end())
                break
        out.append(Removal(what, after[pattern][0] if m else 0))
    return out


def sanitize(raw_html: str) -> tuple[str, list[tuple[str, str]]]:
    clean = nh3.clean(raw_html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes=URL_SCHEMES, link_rel=None)
    return clean, _removed_parts(raw_html)


# Most list items and many paragraphs are plain sentences, with no character that Markdown,
# SmartyPants or the sanitizer would change. They skip Python-Markdown (about 130 µs a call,
# most of a big build) and get the very same HTML: tests/test_fast_paths.py proves it.
_NOT_PLAIN = re.compile(r"[^\w \n,.;:?!()%/-]|_|\.\.|--|^[ \d-]| $", re.MULTILINE)
# The same test for one line (most list items), without a regex alternation tried at every
# character: the allowed characters in one run, the start and end checked once, the pairs by
# substring (tests/test_fast_paths.py proves it agrees with _NOT_PLAIN).
_PLAIN_LINE = re.compile(r"(?![ \d-])[\w ,.;:?!()%/-]*")
_PARAGRAPH_BREAK = re.compile(r"\n\n+")
# SmartyPants makes an apostrophe between two letters a right single quote (don't, team's).
_APOSTROPHE = re.compile(r"(?<=[A-Za-z])'(?=[A-Za-z])")


def _is_plain(text: str) -> bool:
    """`text` (without leading or trailing newlines) is plain paragraphs that need no Markdown."""
    if "\n" in text:
        return _NOT_PLAIN.search(text) is None
    return (text != "" and _PLAIN_LINE.fullmatch(text) is not None and not text.endswith(" ")
            and "_" not in text and ".." not in text and "--" not in text)


def _plain(source: str) -> str | None:
    """The text of `source` as Markdown would show it, when it is plain paragraphs; else None."""
    text = source.strip("\n")
    if "'" in text:
        return _APOSTROPHE.sub("\u2019", text) if _is_plain(_APOSTROPHE.sub("", text)) else None
    return text if _is_plain(text) else None


def _plain_html(source: str) -> str | None:
    """The HTML of plain paragraphs without Markdown, or None when the text needs Markdown."""
    text = _plain(source)
    if text is None:
        return None
    if "\n" not in text:
        return f"<p>{text}</p>"
    return "\n".join(f"<p>{paragraph}</p>" for paragraph in _PARAGRAPH_BREAK.split(text))


def _markdown_html(source: str) -> tuple[str, list[tuple[str, str]]]:
    md = _markdown()
    md.reset()
    return sanitize(md.convert(source))


def render_block(source: str) -> tuple[Markup, list[Removal]]:
    """Markdown paragraphs, lists and sub-headings -> sanitized HTML (and what was removed)."""
    plain = _plain_html(source)
    if plain is not None:
        return Markup(plain), []
    clean, removed = _markdown_html(source)
    return Markup(clean), _locate(source, removed)


def render_inline(source: str) -> tuple[Markup, list[Removal]]:
    """One line of Markdown (a list item, a heading) without the wrapping paragraph."""
    text = _plain(source)
    if text is not None and "\n" not in text:   # render_block gives '<p>text</p>', unwrapped below
        return Markup(text), []
    out, removed = render_block(source)
    text = str(out).strip()
    if text.startswith("<p>") and text.endswith("</p>") and text.count("<p>") == 1:
        text = text[3:-4]
    return Markup(text), removed


def plain_text(html_text: str) -> str:
    """Visible text of an HTML fragment (for readability and descriptions)."""
    # Sanitized fragments (simple tags, complete character references) need no HTMLParser:
    # removing the tags gives the same text (tests/test_fast_paths.py).
    if _LOOSE_AMP.search(html_text) is None:
        text = _SIMPLE_TAG.sub("", html_text) if "<" in html_text else html_text
        if "<" not in text:
            return re.sub(r"\s+", " ", html.unescape(text)).strip()
    return _parsed_text(html_text)


_SIMPLE_TAG = re.compile(r"""</?[a-zA-Z][a-zA-Z0-9]*(?:[ \t\n\r\f]+[^ \t\n\r\f"'<>/=]+(?:=(?:"[^"]*"|'[^']*'))?)*/?>""")
_LOOSE_AMP = re.compile(r"&(?![a-zA-Z][a-zA-Z0-9]*;|#[0-9]+;|#[xX][0-9a-fA-F]+;)")


def _parsed_text(html_text: str) -> str:
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
        self.start(tag, self.get_starttag_text())

    def start(self, tag: str, text: str) -> None:
        self.out.append(text)
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
            left = [p for p in self.patterns if p[2] not in self.done]
            m = _any_of(tuple(p[0] for p in left)).search(data, pos) if left else None
            if m is None:
                out.append(data[pos:])
                return "".join(out)
            _, means, key = left[m.lastindex - 1]
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


@functools.lru_cache(maxsize=1024)
def _any_of(regexes: tuple[re.Pattern, ...]) -> re.Pattern:
    """One regex for the first match of any of `regexes`; at the same place the earlier one wins,
    exactly as searching with each and keeping the first (one pass over the text, not one each)."""
    return re.compile("|".join(f"({r.pattern})" for r in regexes), regexes[0].flags)


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
    patterns = term_patterns(glossary, skip)
    spellings = {entry.term.lower(): entry.spellings for entry in glossary}
    fast = _explain_well_formed(page_html, patterns, [spellings[key] for _, _, key in patterns])
    if fast is not None:
        return fast
    explainer = _Explainer(patterns)
    explainer.feed(page_html)
    explainer.close()
    return "".join(explainer.out)


# The pages the templates make are well-formed HTML, which a regex tokenizes several times
# faster than HTMLParser (the glossary pass was the largest part of rendering). Anything it
# is not sure of (a stray '<' or '&', an unusual tag) goes to HTMLParser instead, and
# tests/test_fast_paths.py checks both give the same page.
_TOKEN = re.compile(r"""<(?:
      (?P<start>[a-zA-Z][a-zA-Z0-9-]*)
        (?:[ \t\n\r\f]+[^ \t\n\r\f"'<>/=]+(?:[ \t\n\r\f]*=[ \t\n\r\f]*(?:"[^"]*"|'[^']*'|[^ \t\n\r\f"'=<>`]+))?)*
        [ \t\n\r\f]*(?P<slash>/?)>
    | /(?P<end>[a-z][a-z0-9-]*)>
    | !--(?P<comment>.*?)-->
    | ![dD][oO][cC][tT][yY][pP][eE][^<>]*>
    )
    | &(?:[a-zA-Z][a-zA-Z0-9]*|\#[0-9]+|\#[xX][0-9a-fA-F]+);""", re.VERBOSE | re.DOTALL)
_MARKUP_CHAR = re.compile(r"[<&]")
# HTMLParser ends script and style at the first '</ script >', any case and spacing.
_RAW_TEXT_END = {tag: re.compile(rf"</\s*{tag}\s*>", re.IGNORECASE) for tag in ("script", "style")}


def _explain_well_formed(page_html: str, patterns, spellings: list[tuple[str, ...]] | None = None) -> str | None:
    """explain_terms for well-formed HTML, or None when the page needs HTMLParser.

    `spellings`, one tuple per pattern, lets plain-ASCII pages be searched with str.find."""
    explainer = _Explainer(patterns)
    chunks: list[int] = []     # indexes in explainer.out of the text the glossary may explain
    pos, n = 0, len(page_html)
    while pos < n:
        found = _MARKUP_CHAR.search(page_html, pos)
        stop = found.start() if found else n
        if stop > pos:
            if explainer.in_main and not explainer.blocked:
                chunks.append(len(explainer.out))
            explainer.out.append(page_html[pos:stop])
        if found is None:
            break
        m = _TOKEN.match(page_html, stop)
        if m is None or (m["comment"] is not None and "--" in m["comment"]):
            return None
        text, pos = m.group(0), m.end()
        tag = (m["start"] or "").lower()
        if m["start"] and not m["slash"]:
            explainer.start(tag, text)
            if tag in _RAW_TEXT_END:   # script and style hold raw text up to their end tag
                close = _RAW_TEXT_END[tag].search(page_html, pos)
                if close is None or close.group(0) != f"</{tag}>":
                    return None
                if close.start() > pos:
                    if explainer.in_main and not explainer.blocked:
                        chunks.append(len(explainer.out))
                    explainer.out.append(page_html[pos:close.start()])
                explainer.handle_endtag(tag)
                pos = close.end()
        elif m["end"]:
            explainer.handle_endtag(m["end"])
        else:
            explainer.out.append(text)
    texts = _explain_texts([explainer.out[i] for i in chunks], patterns, spellings)
    if texts is None:
        return None
    for i, text in zip(chunks, texts):
        explainer.out[i] = text
    return "".join(explainer.out)


_SEP = "\x00"   # joins the page's text pieces: no term contains it, and it is not a word character


def _explain_texts(texts: list[str], patterns, spellings) -> list[str] | None:
    """The glossary pass over a page's text pieces in order, as _Explainer._explain does them one
    by one, but searching the joined text once per explained term instead of once per piece."""
    joined = _SEP.join(texts)
    if _SEP in "".join(texts):
        return None
    starts = [0]
    for text in texts[:-1]:
        starts.append(starts[-1] + len(text) + 1)
    first = _FirstMatch(joined, patterns, spellings)
    edits: dict[int, list] = {}
    pos, done = 0, set()
    while True:
        found = first.search(pos, done)
        if found is None:
            break
        index, start = found
        _, means, key = patterns[index]
        done.add(key)
        piece = bisect.bisect_right(starts, start) - 1
        local = patterns[index][0].match(texts[piece], start - starts[piece])
        edits.setdefault(piece, []).append((local, means))
        pos = starts[piece] + local.end()
    out = list(texts)
    for piece, matches in edits.items():
        data, parts, at = texts[piece], [], 0
        for m, means in matches:
            parts.append(data[at:m.end()] if already_explained(data, m) else
                         f"{data[at:m.start()]}<dfn>{m.group(0)}</dfn> ({html.escape(means)})")
            at = m.end()
        parts.append(data[at:])
        out[piece] = "".join(parts)
    return out


class _FirstMatch:
    """The leftmost match at or after a position of any pattern not yet done (at the same place,
    the earlier pattern wins), like searching with each pattern and keeping the first."""

    def __init__(self, text: str, patterns, spellings):
        self.text, self.patterns = text, patterns
        self.places: list[list[int]] | None = None
        lower = text.lower()
        if (spellings is not None and all(s.isascii() for ss in spellings for s in ss)
                and len(lower) == len(text) and not any(map(_like_ascii_letter, set(_ASCII.sub("", text))))):
            # ASCII spellings, and no other character that the regex would take for an ASCII letter
            # (such as the Kelvin sign for k): a match can start only where str.find finds a spelling.
            self.places = [sorted({i for s in ss for i in _find_all(lower, s.lower())}) for ss in spellings]

    def search(self, pos: int, done: set[str]) -> tuple[int, int] | None:
        left = [i for i, p in enumerate(self.patterns) if p[2] not in done]
        if not left:
            return None
        if self.places is None:
            m = _any_of(tuple(self.patterns[i][0] for i in left)).search(self.text, pos)
            return (left[m.lastindex - 1], m.start()) if m else None
        best = None
        for i in left:
            places, regex = self.places[i], self.patterns[i][0]
            for place in places[bisect.bisect_left(places, pos):]:
                if best is not None and place >= best[1]:
                    break
                if regex.match(self.text, place):
                    best = (i, place)
                    break
        return best


_ASCII = re.compile(r"[\x00-\x7f]+")


@functools.lru_cache(maxsize=4096)
def _like_ascii_letter(char: str) -> bool:
    return re.fullmatch("[a-z]", char, re.IGNORECASE) is not None or char.lower().isascii()


def _find_all(text: str, word: str):
    at = text.find(word)
    while at >= 0 and word:
        yield at
        at = text.find(word, at + 1)
