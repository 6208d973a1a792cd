"""Readability of what a reader actually meets: the rendered sections of a page, in its language.

Each language has its own formulas (FORMULAS), computed from textstat's word, syllable and
long-word counts (textstat 0.7.8 works offline): English, Flesch–Kincaid grade level and SMOG;
Spanish, Szigriszt-Pazos (read on the INFLESZ scale) and Fernández-Huerta. A language without a
formula here is not scored (never with another language's formula); its words are still counted.
Sentences are counted here, block by block: textstat alone would read a bulleted list, which has
no full stops, as one very long sentence. So every paragraph counts its sentences, and every list
item, heading and question counts as at least one. Glossary meanings the build adds are not read
(docs/content-format.md, "Glossary"): the glossary's own meanings are scored on their own.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

import textstat

from .markup import VOID

# Elements that end one block of text and start another.
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "summary", "dt", "dd", "td", "th", "caption",
          "blockquote", "div", "ul", "ol", "section", "details", "figcaption", "legend", "label", "br"}
# Not read on screen: navigation repeats headings; hidden text is for screen readers or code.
SKIP = {"nav", "script", "style", "template", "noscript"}


@dataclass(frozen=True)
class Score:
    words: int = 0
    sentences: int = 0
    syllables: int = 0
    polysyllables: int = 0      # words of three or more syllables
    language: str = "en"

    @property
    def fk_grade(self) -> float:
        """Flesch–Kincaid grade level (Kincaid et al. 1975), textstat's formula."""
        if not self.words or not self.sentences:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59

    @property
    def smog(self) -> float:
        """SMOG grade (McLaughlin 1969), scaled to 30 sentences as textstat does."""
        if not self.sentences:
            return 0.0
        return 1.043 * math.sqrt(30 * self.polysyllables / self.sentences) + 3.1291

    @property
    def szigriszt_pazos(self) -> float:
        """Szigriszt-Pazos perspicuity (1992), read on the INFLESZ scale (Barrio-Cantalejo 2008):
        55-65 normal, 65-80 fairly easy ('bastante fácil'). textstat's formula."""
        if not self.words or not self.sentences:
            return 0.0
        return 206.84 - 62.3 * self.syllables / self.words - self.words / self.sentences

    @property
    def fernandez_huerta(self) -> float:
        """Fernández-Huerta reading ease (1959), textstat's formula: 70-80 fairly easy."""
        if not self.words or not self.sentences:
            return 0.0
        return 206.84 - 60 * self.syllables / self.words - 1.02 * self.words / self.sentences

    @property
    def formulas(self) -> tuple["Formula", ...]:
        return formulas(self.language)


@dataclass(frozen=True)
class Formula:
    """One readability formula of a language, and the site.yaml `readability:` setting of its target."""

    name: str                          # as editors read it in messages and tables
    short: str                         # a table column's heading
    setting: str                       # the Readability field holding its target (None: not checked)
    value: Callable[[Score], float]
    easier_is_higher: bool = False     # a reading-ease score: the target is a minimum

    def misses(self, value: float, target: float | None) -> bool:
        return target is not None and (value < target if self.easier_is_higher else value > target)

    def target_words(self, target: float) -> str:
        return f"{target:g} or {'above' if self.easier_is_higher else 'below'}"


FORMULAS: dict[str, tuple[Formula, ...]] = {
    "en": (Formula("Flesch–Kincaid grade", "FK grade", "target_grade", lambda s: s.fk_grade),
           Formula("SMOG grade", "SMOG", "smog_target", lambda s: s.smog)),
    "es": (Formula("INFLESZ (Szigriszt-Pazos)", "INFLESZ", "inflesz_target", lambda s: s.szigriszt_pazos, True),
           Formula("Fernández-Huerta", "F-Huerta", "fernandez_huerta_target", lambda s: s.fernandez_huerta, True)),
}
# The dictionaries textstat counts syllables with (pyphen's names), by language.
_TEXTSTAT_LANGUAGE = {"en": "en_US", "es": "es"}


def language(code: str | None) -> str:
    """The language part of a code such as 'en', 'es-MX' or 'pt_BR', in lower case."""
    return re.split(r"[-_]", code or "en", maxsplit=1)[0].lower()


def formulas(code: str | None) -> tuple[Formula, ...]:
    """The readability formulas of a language; () when it has none (it is then not scored)."""
    return FORMULAS.get(language(code), ())


def measure(blocks: Iterable[str], lang: str = "en") -> Score:
    """Score blocks of text (paragraphs, list items, headings), each at least one sentence."""
    code = language(lang)
    scored = code in FORMULAS
    if scored:   # textstat keeps one language for every caller: set here, the one place it is read
        textstat.set_lang(_TEXTSTAT_LANGUAGE[code])
    words = sentences = syllables = poly = 0
    for block in blocks:
        count = textstat.lexicon_count(block)
        if not count:
            continue
        words += count
        sentences += max(1, textstat.sentence_count(block))
        if scored:
            syllables += textstat.syllable_count(block)
            poly += textstat.polysyllabcount(block) if code == "en" else 0
    return Score(words, sentences, syllables, poly, code)


# A sentence ends at '.', '!', '?' or '…' (with any closing quote or bracket) before a space.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass(frozen=True)
class Sentence:
    text: str
    score: Score
    value: float                # by the language's first formula

    @property
    def longest_words(self) -> tuple[str, ...]:
        """Up to three of its longest words, longest first."""
        words = dict.fromkeys(_WORD.findall(self.text))
        return tuple(sorted(words, key=lambda w: (-len(w), w.lower()))[:3])


def hardest(blocks: Iterable[str], lang: str, target: float | None, most: int = 3) -> list[Sentence]:
    """The sentences that make a section hard, by the language's first formula: those that miss
    `target`, ranked by how far they miss it times their words (a short heading with one long word
    scores high but weighs little), keeping those within half the weight of the first, at most
    `most`; or else the single hardest one. [] when the language has no formula."""
    first = next(iter(formulas(lang)), None)
    if first is None:
        return []
    scored = []
    for block in blocks:
        for text in _SENTENCE_END.split(block.strip()):
            if _WORD.search(text):
                score = measure([text], lang)
                scored.append(Sentence(text, score, first.value(score)))
    if not scored:
        return []
    sign = -1 if first.easier_is_higher else 1
    weight = {id(s): sign * (s.value - (target or 0)) * s.score.words for s in scored}
    scored.sort(key=lambda s: -weight[id(s)])
    missing = [s for s in scored if first.misses(s.value, target)]
    return [s for s in missing[:most] if weight[id(s)] * 2 >= weight[id(missing[0])]] or scored[:1]


class _Sections(HTMLParser):
    """Visible text blocks of every <section id=...> of a page (nested sections count for the inner)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: dict[str, list[str]] = {}
        self.sections: list[tuple[str, int]] = []    # (id, depth of its <section>)
        self.depth = 0
        self.hidden_at: int | None = None            # depth of the element that hides its text
        self.text: list[str] = []
        self.after_dfn = False                       # the build's ' (meaning)' may follow

    def _flush(self) -> None:
        text = " ".join("".join(self.text).split())
        self.text = []
        if text and self.sections:
            self.blocks.setdefault(self.sections[-1][0], []).append(text)

    def handle_starttag(self, tag, attrs):
        self.after_dfn = False
        if tag in BLOCKS:
            self._flush()
        if tag in VOID:
            return
        self.depth += 1
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if self.hidden_at is None and (tag in SKIP or "hidden" in attrs or "visually-hidden" in classes):
            self.hidden_at = self.depth
        if tag == "section" and attrs.get("id"):
            self.sections.append((attrs["id"], self.depth))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if tag in BLOCKS:
            self._flush()
        if self.hidden_at == self.depth:
            self.hidden_at = None
        if self.sections and self.sections[-1][1] == self.depth:
            self.sections.pop()
        self.depth -= 1
        self.after_dfn = tag == "dfn"

    def handle_data(self, data):
        if self.after_dfn:
            data, self.after_dfn = without_meaning(data), False
        if self.hidden_at is None:
            self.text.append(data)


def without_meaning(text: str) -> str:
    """`text` after a glossary term without the ' (meaning)' the build put after it."""
    if not text.startswith(" ("):
        return text
    depth = 0
    for i, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if char == ")" and depth == 0:
            return text[i + 1:]
    return text


def section_blocks(page_html: str) -> dict[str, list[str]]:
    """{section id: its visible text blocks, in page order} for a rendered page."""
    parser = _Sections()
    parser.feed(page_html)
    parser.close()
    parser._flush()
    return parser.blocks
