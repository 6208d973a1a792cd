"""Readability of what a reader actually meets: the rendered sections of a page.

Grades are Flesch–Kincaid grade level and SMOG, from textstat's word, syllable and long-word
counts (textstat 0.7.8 works offline). Sentences are counted here, block by block: textstat
alone would read a bulleted list, which has no full stops, as one very long sentence. So every
paragraph counts its sentences, and every list item, heading and question counts as at least one.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
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


def measure(blocks: Iterable[str]) -> Score:
    """Score blocks of text (paragraphs, list items, headings), each at least one sentence."""
    words = sentences = syllables = poly = 0
    for block in blocks:
        count = textstat.lexicon_count(block)
        if not count:
            continue
        words += count
        sentences += max(1, textstat.sentence_count(block))
        syllables += textstat.syllable_count(block)
        poly += textstat.polysyllabcount(block)
    return Score(words, sentences, syllables, poly)


class _Sections(HTMLParser):
    """Visible text blocks of every <section id=...> of a page (nested sections count for the inner)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: dict[str, list[str]] = {}
        self.sections: list[tuple[str, int]] = []    # (id, depth of its <section>)
        self.depth = 0
        self.hidden_at: int | None = None            # depth of the element that hides its text
        self.text: list[str] = []

    def _flush(self) -> None:
        text = " ".join("".join(self.text).split())
        self.text = []
        if text and self.sections:
            self.blocks.setdefault(self.sections[-1][0], []).append(text)

    def handle_starttag(self, tag, attrs):
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

    def handle_data(self, data):
        if self.hidden_at is None:
            self.text.append(data)


def section_blocks(page_html: str) -> dict[str, list[str]]:
    """{section id: its visible text blocks, in page order} for a rendered page."""
    parser = _Sections()
    parser.feed(page_html)
    parser.close()
    parser._flush()
    return parser.blocks
