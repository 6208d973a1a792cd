"""Markdown to safe HTML, and the glossary pass that explains medical words on first use."""
from __future__ import annotations

import bisect
import functools
import heapq
import html
import os
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3
from markupsafe import Markup

# Content is trusted to write text, not code: everything else is removed. (A condition's
# sections may not use <h2>, which is the section heading: load.py refuses it with the reason.)
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h2", "h3", "h4", "h5", "h6",
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


def forget_parser() -> None:
    """The next conversion makes a new parser (one stopped halfway may be in any state)."""
    _markdown.cache_clear()


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


# Plain sentences (nothing Markdown, SmartyPants or the sanitizer would change) skip
# Python-Markdown, the dearest part of loading, for the same HTML (tests/test_fast_paths.py).
_NOT_PLAIN = re.compile(r"[^\w \n,.;:?!()%/-]|_|\.\.|--|^[ \d-]| $", re.MULTILINE)
# The same test for one line (most list items), without an alternation tried at every character.
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
            # str.split breaks at exactly what re's \s matches (str.isspace): same text, faster.
            # (Not Markup's own split, which makes a Markup of every word.)
            return " ".join(str.split(html.unescape(text) if "&" in text else text))
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


@functools.lru_cache(maxsize=4096)
def _term(entry) -> tuple[tuple[re.Pattern, str, str], frozenset[str]]:
    # Compiled once per glossary entry, not once per page (about 150 µs a page).
    spellings = sorted(entry.spellings, key=len, reverse=True)
    regex = re.compile(r"\b(?:" + "|".join(re.escape(s) for s in spellings) + r")\b", re.IGNORECASE)
    return (regex, entry.means, entry.term.lower()), frozenset(s.lower() for s in entry.spellings)


def _page_terms(glossary, skip: tuple[str, ...]) -> list:
    """The glossary entries a page explains, in the order their patterns are tried."""
    skipped = {s.lower() for s in skip}
    entries = [entry for entry in glossary if not skipped & _term(entry)[1]]
    # Longer terms first, so "parathyroid hormone" wins over "parathyroid" at the same place.
    entries.sort(key=lambda entry: -len(entry.term.lower()))
    return entries


def term_patterns(glossary, skip: tuple[str, ...] = ()) -> list[tuple[re.Pattern, str, str]]:
    """(regex, meaning, key) for each glossary term a page explains; `check` matches with the same.

    Terms in `skip` (the page's own subject, which its summary defines) are left out."""
    return [_term(entry)[0] for entry in _page_terms(glossary, skip)]


def explain_terms(page_html: str, glossary, skip: tuple[str, ...] = ()) -> str:
    """Add '(meaning)' after the first use of each glossary term inside <main>.

    Terms in `skip` (the page's own subject, which its summary defines) are left alone."""
    entries = _page_terms(glossary, skip)
    patterns = [_term(entry)[0] for entry in entries]
    fast = _explain_well_formed(page_html, patterns, [entry.spellings for entry in entries])
    if fast is not None:
        return fast
    explainer = _Explainer(patterns)
    explainer.feed(page_html)
    explainer.close()
    return "".join(explainer.out)


# The glossary pass's fast path: regexes accept only pages HTMLParser would write back unchanged
# (any other goes to HTMLParser; tests/test_fast_paths.py), read as ASCII bytes, one per character.
_WS = r"[ \t\n\r\f]"
_NAME_END = r"[ \t\n\r\f/>]"
# Repeated groups are atomic, (?>(?:...)*), never possessive: before Python 3.11.5 a possessive
# group matched where it must not (CPython gh-106052); one character class, [^<]*+, is safe.
_ATTRIBUTES = (rf"""(?>(?:{_WS}++[a-zA-Z_:][-a-zA-Z0-9_:.]*+(?>(?:="[^"<>]*+"|='[^'<>]*+')?))*)"""
               rf"""{_WS}*+""")
_BLOCKING = NO_EXPLAIN - VOID
_RAW_TEXT = {"script", "style"}          # HTMLParser ends their text at the first '</script'


def _one_of(words) -> str:
    """A regex for any of `words`, as a tree of shared starts: the regex engine then rejects
    most tags on their first letter."""
    groups: dict[str, list[str]] = {}
    for word in sorted(words):
        groups.setdefault(word[:1], []).append(word[1:])
    branches = []
    for first, rests in groups.items():
        if len(rests) == 1:
            branches.append(first + rests[0])
        else:
            longer = [rest for rest in rests if rest]
            branches.append(f"{first}(?:{_one_of(longer)}){'?' if len(longer) < len(rests) else ''}")
    return "|".join(branches)


_SIGNIFICANT = _one_of(_BLOCKING | {"main"})
# Text, and tokens that do not change what may be explained: tags (names in lower case, and
# end tags without spaces, as HTMLParser writes them back), comments without '--', a doctype.
_PLAIN = rf"""(?>(?:[^<]*+(?:
      </(?!(?:{_SIGNIFICANT})>)[a-z][a-z0-9-]*+>
    | <(?!(?:{_SIGNIFICANT}){_NAME_END})[a-z][a-z0-9-]*+{_ATTRIBUTES}/?>
    | <!--(?>(?:[^<>-]|-(?!-))*)-->
    | <![dD][oO][cC][tT][yY][pP][eE][^<>]*+>
    ))*)[^<]*+"""
# Then the next significant token: a whole never-explained element with plain content, or a start
# or end tag of <main> or of such an element; matched in turn from the page's start, as HTMLParser reads.
_SEGMENT = re.compile(rf"""{_PLAIN}(?:
      (?P<hole><(?P<name>{_one_of(_BLOCKING - _RAW_TEXT)}){_ATTRIBUTES}>{_PLAIN}</(?P=name)>
             | <script{_ATTRIBUTES}>[^<]*+</script>
             | <style{_ATTRIBUTES}>[^<]*+</style>)
    | <(?P<open>{_one_of(_BLOCKING - _RAW_TEXT | {"main"})}){_ATTRIBUTES}(?P<slash>/?)>
    | </(?P<close>{_one_of(_BLOCKING - _RAW_TEXT | {"main"})})>
    )""".encode(), re.VERBOSE)
_REST = re.compile(_PLAIN.encode(), re.VERBOSE)
# Each '&' must start a complete character reference (checked one by one: pages have few).
_CHAR_REF = re.compile(rb"&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#[xX][0-9a-fA-F]+);")


def _explain_well_formed(page_html: str, patterns, spellings: list[tuple[str, ...]] | None = None) -> str | None:
    """explain_terms for well-formed HTML, or None when the page needs HTMLParser.

    `spellings`, one tuple per pattern, lets terms be found with bytes.find instead of their regex."""
    page = page_html.encode("ascii", "replace")
    regions = _explainable_regions(page)
    if regions is None:
        return None
    amp = page.find(b"&")
    while amp >= 0:
        if _CHAR_REF.match(page, amp) is None:
            return None
        amp = page.find(b"&", amp + 1)
    if not regions or not patterns:
        return page_html
    return _TermFinder(page_html, page, regions, patterns, spellings).explained()


def _explainable_regions(page: bytes) -> list[tuple[int, int]] | None:
    """(start, end) of each stretch of the page inside <main> and outside any NO_EXPLAIN element,
    as _Explainer's state has it (tags inside a stretch do not change that state); None if the
    page is not made only of the tokens above."""
    regions, in_main, blocked, start, pos = [], 0, [], 0, 0
    while (m := _SEGMENT.match(page, pos)) is not None:
        pos = m.end()
        before = in_main != 0 and not blocked
        if m.start("hole") >= 0:
            if before:
                regions.append((start, m.start("hole")))
                start = pos
            continue
        if m.start("open") >= 0:
            if m.group("slash"):           # '<a/>': HTMLParser's startendtag changes nothing
                continue
            tag, at = m.group("open"), m.start("open") - 1
            if tag == b"main":
                in_main += 1
            else:
                blocked.append(tag)
        else:
            tag, at = m.group("close"), m.start("close") - 2
            if tag == b"main":
                in_main -= 1
            elif blocked and blocked[-1] == tag:
                blocked.pop()
        after = in_main != 0 and not blocked
        if before and not after:
            regions.append((start, at))
        elif after and not before:
            start = pos
    if _REST.fullmatch(page, pos) is None:
        return None
    if in_main != 0 and not blocked:
        regions.append((start, len(page)))
    return [(a, b) for a, b in regions if b > a]


# Characters other than ASCII that a case-insensitive regex takes for ASCII letters (dotted and
# dotless i, long s, Kelvin sign); tests/test_fast_paths.py checks there are no others.
_LIKE_ASCII_LETTERS = "\u0130\u0131\u017f\u212a"


class _TermFinder:
    """The glossary pass over a well-formed page's explainable text: the leftmost match of any
    term not yet explained, again and again, as _Explainer._explain does piece by piece."""

    def __init__(self, text: str, page: bytes, regions, patterns, spellings):
        self.text, self.page, self.patterns = text, page, patterns
        self.starts = [start for start, _ in regions]
        self.ends = [end for _, end in regions]
        self.keys: list[tuple[bytes, ...] | None] = [None] * len(patterns)
        if spellings is not None and (text.isascii() or not any(c in text for c in _LIKE_ASCII_LETTERS)):
            # No character a regex takes for an ASCII letter: a term can only start where bytes.find finds it.
            self.keys = [_search_keys(tuple(ss)) for ss in spellings]
        self.lower = page[self.starts[0]:self.ends[-1]].lower()
        self.next_at: dict[bytes, int] = {}

    def explained(self) -> str:
        heap = []
        for index in range(len(self.patterns)):
            found = self._next_match(index, self.starts[0])
            if found is not None:
                heap.append((found[0], index, found))
        heapq.heapify(heap)
        pos, done, edits = 0, set(), []
        # The leftmost place wins (at the same place, the earlier pattern); a place before `pos`
        # (inside or before the last match) is stale, and its pattern is looked up again.
        while heap:
            place, index, found = heapq.heappop(heap)
            key = self.patterns[index][2]
            if key in done:
                continue
            if place < pos:
                found = self._next_match(index, pos)
                if found is not None:
                    heapq.heappush(heap, (found[0], index, found))
                continue
            done.add(key)
            _, piece, m = found
            pos = piece + m.end()
            edits.append((piece, m, self.patterns[index][1]))
        out, at, text = [], 0, self.text
        for piece, m, means in edits:
            if not already_explained(m.string, m):
                out.append(text[at:piece + m.start()])
                out.append(f"<dfn>{m.group(0)}</dfn> ({html.escape(means)})")
                at = piece + m.end()
        out.append(text[at:])
        return "".join(out)

    def _next_match(self, index: int, pos: int):
        """(place, start of its text piece, match in that piece) of the first match of pattern
        `index` at or after `pos` in explainable text, or None."""
        page, regex = self.page, self.patterns[index][0]
        while True:
            place = self._candidate(index, pos)
            if place < 0:
                return None
            region = bisect.bisect_right(self.starts, place) - 1
            if region < 0 or place >= self.ends[region]:
                pos = self.starts[region + 1]
                continue
            # Every '<' starts a token, and one precedes every region (the <main> tag).
            piece = page.find(b">", page.rfind(b"<", 0, place)) + 1
            if piece > place:              # inside a tag or comment
                pos = piece
                continue
            amp = page.rfind(b"&", piece, place)
            if amp >= 0:
                piece = page.find(b";", amp) + 1
                if piece > place:          # inside a character reference
                    pos = piece
                    continue
            end = page.find(b"<", place)
            if end < 0:
                end = len(page)
            amp = page.find(b"&", place, end)
            m = regex.match(self.text[piece:amp if amp >= 0 else end], place - piece)
            if m is None:
                pos = place + 1
                continue
            return place, piece, m

    def _candidate(self, index: int, pos: int) -> int:
        """The first place at or after `pos` where pattern `index` may match in explainable text
        (no place it matches is before it), or -1."""
        first, limit = self.starts[0], self.ends[-1]
        keys = self.keys[index]
        if keys is None:
            m = self.patterns[index][0].search(self.text, pos, limit)
            return m.start() if m else -1
        best = -1
        for key in keys:
            at = self.next_at.get(key, -2)
            if at != -1 and at < pos:        # not looked up yet, or for an earlier place
                at = self.lower.find(key, pos - first, limit - first)
                at = self.next_at[key] = at + first if at >= 0 else -1
            if at >= 0 and (best < 0 or at < best):
                best = at
        return best


@functools.lru_cache(maxsize=4096)
def _search_keys(spellings: tuple[str, ...]) -> tuple[bytes, ...] | None:
    """What bytes.find looks for in the lower-cased page to find a term: the start its spellings
    share, or each spelling; None when a spelling is not plain ASCII (its regex searches then)."""
    lower = [s.lower() for s in spellings]
    if not all(s.isascii() and s for s in lower):
        return None
    shared = os.path.commonprefix(lower)
    return (shared.encode(),) if shared else tuple(sorted({s.encode() for s in lower}))
