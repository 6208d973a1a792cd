"""The one typed content model that templates read. Templates never parse files.

Markdown fields keep their source text (for checks) and their rendered, sanitized HTML.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

from markupsafe import Markup

from ..errors import Problem
from ..publish.i18n import N_
from ..text.markup import plain_text
from . import address
from .guard import DEFAULT_TIME_LIMIT


@dataclass(frozen=True)
class SectionKind:
    """A standard section every condition page has, in page order."""

    id: str
    purpose: str
    required_lists: tuple[str, ...] = ()   # list ids that must exist
    needs_lists: bool = False              # at least one list
    needs_cards: bool = False              # at least one care card (levels: site.yaml care_levels)
    sheet: str = "no"                      # how its lists go on the appointment sheet by default
    sheet_ids: tuple[str, ...] = ()        # only these lists go there by default (none: every list)
    item_type: str = "text"                # what its lists' items are by default (ITEM_TYPES)

    def default_sheet(self, list_id: str) -> str:
        return self.sheet if not self.sheet_ids or list_id in self.sheet_ids else "no"


# The order of a condition page. Generic to every condition; editors choose the headings.
SECTION_KINDS: tuple[SectionKind, ...] = (
    SectionKind("what-it-is", "what the condition is"),
    SectionKind("symptoms", "signs to watch for", needs_lists=True, sheet="since-when", item_type="symptom"),
    SectionKind("causes", "what causes it", item_type="cause"),
    SectionKind("when-to-get-help", "when to get help", needs_cards=True),
    SectionKind("risk-factors", "who is more likely to get it", needs_lists=True, sheet="checkbox",
                item_type="risk-factor"),
    SectionKind("complications", "problems it can lead to", item_type="complication"),
    SectionKind("diagnosis", "how it is diagnosed", item_type="test"),
    SectionKind("treatment", "how it is treated", item_type="therapy"),
    SectionKind("home-care", "what you can do at home"),
    SectionKind("appointment", "getting ready for an appointment", required_lists=("bring", "questions"),
                sheet="checkbox", sheet_ids=("bring", "questions")),
    SectionKind("key-takeaway", "the main message"),
)
SECTION_IDS = tuple(k.id for k in SECTION_KINDS)
# A list's `sheet:` setting: a checkbox with a "Since when?" box, a plain checkbox, or not on the sheet.
SHEET_MODES = ("since-when", "checkbox", "no")
# A list's `type:` setting: what its items are, for structured data (publish/seo.py); "text": none.
ITEM_TYPES = ("symptom", "risk-factor", "cause", "test", "therapy", "complication", "text")
# The looks a care level may have (static/site.css), in the NHS care-card pattern.
CARE_STYLES = ("non-urgent", "urgent", "emergency")


@dataclass(frozen=True)
class CareLevel:
    """One level of care advice, defined once for the library (site.yaml `care_levels:`)."""

    id: str          # what a card's `urgency:` names
    label: str       # shown above the card's heading
    hidden: str      # read first to screen-reader users, before the heading
    style: str       # one of CARE_STYLES: the card's border and label style
    builtin: bool = False   # one of CARE_LEVELS: its words are the templates' (translated), not the library's


# Lowest to highest: a sheet shows a condition's highest. site.yaml may define its own.
CARE_LEVELS = (CareLevel("soon", N_("Non-urgent advice"), N_("Non-urgent advice"), "non-urgent", builtin=True),
               CareLevel("urgent", N_("Urgent advice"), N_("Urgent advice"), "urgent", builtin=True),
               CareLevel("emergency", N_("Emergency"), N_("Emergency"), "emergency", builtin=True))


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
        """The visible text of `html`: structured data and the sheet's checkbox labels read it."""
        return plain_text(self.html)


@dataclass(frozen=True)
class ItemList:
    id: str
    heading: str
    items: tuple[Text, ...]
    sheet: str = "no"         # SHEET_MODES: how it goes on the appointment sheet
    type: str = "text"        # ITEM_TYPES: what its items are
    line: int | None = field(default=None, compare=False)   # of its `id:`

    @property
    def since(self) -> bool:
        return self.sheet == "since-when"


@dataclass(frozen=True)
class CareCard:
    urgency: str          # a care level's id (Site.care_levels)
    heading: str
    items: tuple[Text, ...]
    line: int | None = field(default=None, compare=False)   # of its `urgency:`


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


@dataclass(frozen=True)
class Translation:
    """Where a translated condition came from (its condition.yaml `translation:`; languages.py)."""

    source_version: str      # the main-language folder's version it was made from (languages.source_version)
    source_reviewed: dt.date  # that version's last_reviewed, for readers
    translated_by: str       # names or roles
    clinical_check: str      # who checked it clinically, or "pending"
    cultural_check: str      # who checked it culturally and linguistically, or "pending"
    line: int | None = field(default=None, compare=False)   # of source_version, in condition.yaml


STATUSES = ("published", "draft")    # a draft is checked and previewed, never published


@dataclass(frozen=True)
class Related:
    """A `related:` entry of condition.yaml: another condition's slug, and where it is written."""

    slug: str
    line: int | None = None


@dataclass(frozen=True)
class Listing:
    """What the A-Z index, the sitemap and the other library pages need of a condition: small,
    so an incremental build keeps it without the whole model."""

    slug: str
    title: str
    other_names: tuple[str, ...]
    summary: str
    last_reviewed: dt.date
    next_review_due: dt.date
    status: str = "published"
    changes: tuple[Change, ...] = ()
    related: tuple[Related, ...] = ()     # other conditions to point readers to, as written

    @property
    def modified(self) -> dt.date:
        """When the page last changed: its newest change, or its last review if that is later."""
        return max(self.last_reviewed, self.changes[0].date) if self.changes else self.last_reviewed

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
class Condition(Listing):
    """The whole model of one condition folder."""

    key_points: tuple[str, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    sections: tuple[Section, ...] = ()
    faq: tuple[FaqEntry, ...] = ()
    folder: Path | None = None
    sign_off: SignOff | None = None
    language: str = "en"                    # BCP 47 code of the text (the library's or its language folder's)
    translation: Translation | None = None  # set in a language folder's conditions only

    # Each file's parsed YAML (sources.Doc) and its other texts by line (a section's Markdown):
    # where checks find what an editor wrote, read when a check needs a line.
    located: tuple[tuple[str, object, tuple[tuple[int, str], ...]], ...] = field(default=(), compare=False, repr=False)

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    def line_of(self, file_name: str, pattern: re.Pattern | str) -> int | None:
        """The line of `file_name` where `pattern` (text, or a regex) is first written."""
        for name, doc, texts in self.located:
            if name != file_name:
                continue
            for line, text in sorted((*doc.scalars, *texts), key=lambda piece: piece[0]):
                at = pattern.search(text) if isinstance(pattern, re.Pattern) else None
                start = at.start() if at else (text.find(pattern) if isinstance(pattern, str) else -1)
                if start >= 0:
                    return line + text.count("\n", 0, start)
        return None

    def setting_line(self, file_name: str, *key) -> int | None:
        """The line of a setting (its key path, e.g. 'sign_off') in one of the condition's YAML files."""
        doc = next((doc for name, doc, _ in self.located if name == file_name), None)
        return doc.line(*key) if doc is not None else None

    def listing(self) -> Listing:
        return Listing(*(getattr(self, f.name) for f in fields(Listing)))


@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    means: str
    forms: tuple[str, ...] = ()
    line: int | None = field(default=None, compare=False, repr=False)   # of its meaning, in glossary.yaml

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.term, *self.forms)


@dataclass(frozen=True)
class Readability:
    """What `check` asks of every section (site.yaml `readability:`)."""

    target_grade: float = 8        # school grade; above it is a warning
    max_words: int = 400           # words in one section (the glossary meanings the build adds are not counted)
    smog_target: float | None = 8.0    # SMOG grade; above it is a warning too (None: not checked)
    inflesz_target: float | None = 65.0   # Spanish: Szigriszt-Pazos on the INFLESZ scale; below it is a warning
    fernandez_huerta_target: float | None = None   # Spanish: Fernández-Huerta; shown, checked when set


@dataclass(frozen=True)
class Site:
    name: str = "Health Library"
    base_url: str = "/"
    language: str = "en"
    locale: str = ""             # CLDR locale for dates ('en-US', 'en-GB'); "" is the language's own
    organisation: str = ""
    contact: str = ""
    description: str = ""
    disclaimer: str = ("This page gives general information. It does not replace advice from your own "
                       "doctor or care team. If you are worried about a symptom, contact your care team.")
    readability: Readability = Readability()
    # The A-Z's letter row, in order (site.yaml `alphabet:`); names starting otherwise follow it.
    alphabet: tuple[str, ...] = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    markdown_time_limit: float = DEFAULT_TIME_LIMIT   # seconds of Markdown a content file may take
    demonstration: bool = False        # nobody has approved the content: every page says so
    review_cycle_years: int = 3        # next_review_due is at most this long after last_reviewed
    feedback: str = ""                 # a mailto: address or a form's https:// address
    required_pages: tuple[str, ...] = ("about", "how-we-write", "privacy", "accessibility", "contact")
    footer: tuple[tuple[str, str], ...] = ()    # (address, title) of each editorial page, in order
    care_levels: tuple[CareLevel, ...] = CARE_LEVELS    # lowest first
    directory_urls: bool = True        # links to folders (a web host); False: to their index.html (file://)

    def care_level(self, level_id: str) -> CareLevel | None:
        return next((level for level in self.care_levels if level.id == level_id), None)

    @property
    def date_locale(self) -> str:
        return self.locale or self.language

    @property
    def public_url(self) -> str:
        """base_url when readers can visit it; "" for a placeholder (example.org) or none."""
        return address.public(self.base_url)


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
    conditions: tuple[Listing, ...]            # sorted A–Z by title (whole Conditions when loaded for checks)
    glossary: tuple[GlossaryTerm, ...] = field(default_factory=tuple)
    pages: tuple[EditorialPage, ...] = ()      # editorial pages, in footer order


@dataclass
class Made:
    """What one condition folder gives: its listing (None when it has errors), every problem
    found in it, its pages (None when it has errors) and, when asked for, its whole model."""

    listing: Listing | None
    problems: list[Problem]
    pages: list[tuple[str, bytes]] | None
    model: Condition | None = None
    reused: bool = False     # the pages are the current site's own bytes
    page_hashes: list[tuple[str, str]] | None = None

    def hashes(self) -> list[tuple[str, str]]:
        """Each page's path and sha256, worked out once (a worker does it for the store)."""
        if self.page_hashes is None:
            self.page_hashes = [(path, hashlib.sha256(data).hexdigest()) for path, data in self.pages or ()]
        return self.page_hashes
