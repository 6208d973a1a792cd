"""The one typed content model that templates read. Templates never parse files.

Markdown fields keep their source text (for checks) and their rendered, sanitized HTML.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from .markup import plain_text


@dataclass(frozen=True)
class SectionKind:
    """A standard section every condition page has, in page order."""

    id: str
    purpose: str
    required_lists: tuple[str, ...] = ()   # list ids that must exist
    needs_lists: bool = False              # at least one list
    needs_cards: tuple[str, ...] = ()      # card urgencies that must exist


# The order of a condition page. Generic to every condition; editors choose the headings.
SECTION_KINDS: tuple[SectionKind, ...] = (
    SectionKind("what-it-is", "what the condition is"),
    SectionKind("symptoms", "signs to watch for", needs_lists=True),
    SectionKind("causes", "what causes it"),
    SectionKind("when-to-get-help", "when to get help", needs_cards=("urgent", "emergency")),
    SectionKind("risk-factors", "who is more likely to get it", needs_lists=True),
    SectionKind("complications", "problems it can lead to"),
    SectionKind("diagnosis", "how it is diagnosed"),
    SectionKind("treatment", "how it is treated"),
    SectionKind("home-care", "what you can do at home"),
    SectionKind("appointment", "getting ready for an appointment", required_lists=("bring", "questions")),
    SectionKind("key-takeaway", "the main message"),
)
SECTION_IDS = tuple(k.id for k in SECTION_KINDS)
URGENCIES = ("urgent", "emergency")


@dataclass(frozen=True)
class Text:
    """Editor-written Markdown: the source and its rendered, sanitized HTML."""

    source: str
    html: Markup
    line: int | None = None

    def __bool__(self) -> bool:
        return bool(self.source.strip())

    @functools.cached_property
    def plain(self) -> str:
        """The visible text of `html`, worked out once: structured data and the appointment
        sheet's checkbox labels both read it."""
        return plain_text(self.html)

    def __reduce__(self):
        # A cached condition holds ~110 of these: pickled as three plain values they take 40%
        # less time than the default, which rebuilds each through Markup's Python constructor.
        return _text, (self.source, str(self.html), self.line)


def _text(source: str, html: str, line: int | None) -> Text:
    """A Text from its pickled values (Text.__reduce__); `html` was a Markup's text."""
    text = object.__new__(Text)
    text.__dict__.update(source=source, html=str.__new__(Markup, html), line=line)
    return text


@dataclass(frozen=True)
class ItemList:
    id: str
    heading: str
    items: tuple[Text, ...]


@dataclass(frozen=True)
class CareCard:
    urgency: str          # "urgent" | "emergency"
    heading: str
    items: tuple[Text, ...]


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    body: Text
    lists: tuple[ItemList, ...] = ()
    cards: tuple[CareCard, ...] = ()
    closing: Text | None = None
    path: Path | None = None

    def list(self, list_id: str) -> ItemList | None:
        return next((lst for lst in self.lists if lst.id == list_id), None)

    def card(self, urgency: str) -> CareCard | None:
        return next((c for c in self.cards if c.urgency == urgency), None)

    @property
    def all_items(self) -> tuple[Text, ...]:
        return tuple(item for lst in self.lists for item in lst.items)


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer: Text


@dataclass(frozen=True)
class SourceRef:
    title: str
    publisher: str
    url: str
    accessed: dt.date | None = None


@dataclass(frozen=True)
class SignOff:
    """Who approved a page clinically, and when (condition.yaml `sign_off:`)."""

    name: str
    role: str           # role or credentials, as the reader should see them
    date: dt.date


@dataclass(frozen=True)
class Change:
    """One entry of a page's history (condition.yaml `changes:`), newest first."""

    date: dt.date
    summary: str


STATUSES = ("published", "draft")    # a draft is checked, previewed, never published


@dataclass(frozen=True)
class Condition:
    slug: str
    title: str
    other_names: tuple[str, ...]
    summary: str
    key_points: tuple[str, ...]
    last_reviewed: dt.date
    next_review_due: dt.date
    sources: tuple[SourceRef, ...]
    sections: tuple[Section, ...]
    faq: tuple[FaqEntry, ...]
    folder: Path | None = None
    status: str = "published"
    sign_off: SignOff | None = None
    changes: tuple[Change, ...] = ()
    lines: tuple[tuple[str, int], ...] = ()     # condition.yaml: the line of each top-level setting

    def line(self, name: str) -> int | None:
        return dict(self.lines).get(name)

    @property
    def modified(self) -> dt.date:
        """When the page last changed: its newest change, or its last review if that is later."""
        return max(self.last_reviewed, self.changes[0].date) if self.changes else self.last_reviewed

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    @property
    def initial(self) -> str:
        """A–Z index letter."""
        return self.title[:1].upper()

    @property
    def url(self) -> str:
        """Site-relative URL of the condition page (no leading slash)."""
        return f"{self.slug}/"

    @property
    def prep_url(self) -> str:
        return f"{self.slug}/appointment-prep/"


@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    means: str
    forms: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.term, *self.forms)


@dataclass(frozen=True)
class Readability:
    """What `check` asks of every section (site.yaml `readability:`)."""

    target_grade: float = 8        # school grade; above it is a warning
    max_words: int = 400           # words a reader meets in one section, glossary meanings included
    smog_target: float | None = 8.0    # SMOG grade; above it is a warning too (None: not checked)


@dataclass(frozen=True)
class Site:
    name: str = "Health Library"
    base_url: str = "/"
    language: str = "en"
    organisation: str = ""
    contact: str = ""
    description: str = ""
    disclaimer: str = ("This page gives general information. It does not replace advice from your own "
                       "doctor or care team. If you are worried about a symptom, contact your care team.")
    readability: Readability = Readability()
    demonstration: bool = False        # nobody has approved the content: every page says so
    review_cycle_years: int = 3        # next_review_due is at most this long after last_reviewed
    feedback: str = ""                 # a mailto: address or a form's https:// address
    required_pages: tuple[str, ...] = ("about", "how-we-write", "privacy", "accessibility", "contact")
    footer: tuple[tuple[str, str], ...] = ()    # (address, title) of each editorial page, in order


@dataclass(frozen=True)
class EditorialPage:
    """A page about the library itself (About us, Privacy, ...): content/_pages/<slug>.md."""

    slug: str
    title: str
    summary: str
    body: Text
    path: Path | None = None
    status: str = "published"

    @property
    def url(self) -> str:
        return f"{self.slug}/"


@dataclass(frozen=True)
class Library:
    site: Site
    conditions: tuple[Condition, ...]          # sorted A–Z by title
    glossary: tuple[GlossaryTerm, ...] = field(default_factory=tuple)
    pages: tuple[EditorialPage, ...] = ()      # editorial pages, in footer order
