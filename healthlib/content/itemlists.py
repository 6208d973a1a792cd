"""A section list's own settings: how it goes on the appointment sheet (`sheet:`) and what its
items are (`type:`), each with a default from its section (model.SECTION_KINDS), so a list
that says neither keeps what the sheet and the structured data always did with it."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from .model import ITEM_TYPES, SHEET_MODES, Condition, SectionKind, Text

SETTINGS = ("sheet", "type")
DOCS = "docs/content-format.md"
# The ids' prefixes of the sheet's own groups (as the sheet's first version named them).
OWN_NAMES = {"bring": "bring", "symptoms": "symptom", "risk-factors": "risk", "questions": "question"}


def settings(g, kind: SectionKind, list_id: str) -> tuple[str, str]:
    """(sheet mode, item type) of one list, from its settings `g` (load.Fields)."""
    return _sheet(g, kind.default_sheet(list_id)), _one_of(g, "type", ITEM_TYPES, kind.item_type)


def _sheet(g, default: str) -> str:
    value = g.data.get("sheet")
    if value is False:      # YAML reads a bare `no` as false
        return "no"
    if value is True:
        g.error("sheet", "'sheet' must say how the list goes on the appointment sheet: since-when, "
                "checkbox or no.")
        return default
    return _one_of(g, "sheet", SHEET_MODES, default)


def _one_of(g, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = g.text(name, required=False, what=" or ".join(allowed))
    if value is None:
        return default
    if value not in allowed:
        close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        g.error(name, f"'{name}' must be one of: {', '.join(allowed)}; got '{value}'.{hint} (see {DOCS})")
        return default
    return value


@dataclass(frozen=True)
class SheetItem:
    """One checkbox of the sheet: an item, and whether it asks "Since when?"."""

    text: Text
    since: bool

    @property
    def plain(self) -> str:
        return self.text.plain


@dataclass(frozen=True)
class SheetList:
    """A group of checkboxes on the sheet: `name` prefixes its controls' ids; `heading`, the list's
    own heading, is the legend of a group the form does not name itself."""

    name: str
    heading: str
    items: tuple[SheetItem, ...]

    @property
    def since(self) -> bool:
        return all(item.since for item in self.items)


@dataclass(frozen=True)
class Checklists:
    """What the appointment sheet's checklists hold, in the sheet's order (templates/sheet.html)."""

    bring: SheetList | None
    symptoms: SheetList | None
    risks: SheetList | None
    others: tuple[SheetList, ...]       # lists of other sections on the sheet, in page order
    questions: SheetList | None


def checklists(condition: Condition) -> Checklists:
    """Each list goes on the sheet as its `sheet:` says: the form's own groups gather the symptoms,
    the risk factors and the appointment's `bring` and `questions`; any other list is a group of its own."""
    groups: dict[str, list[SheetItem]] = {"symptoms": [], "risk-factors": []}
    own: dict[str, SheetList] = {}
    others = []
    for section in condition.sections:
        for lst in section.lists:
            if lst.sheet == "no":
                continue
            items = [SheetItem(item, lst.since) for item in lst.items]
            if section.id in groups:
                groups[section.id] += items
            elif section.id == "appointment" and lst.id in ("bring", "questions"):
                own[lst.id] = SheetList(OWN_NAMES[lst.id], lst.heading, tuple(items))
            else:
                others.append(SheetList(f"{section.id}-{lst.id}", lst.heading, tuple(items)))
    joined = {key: SheetList(OWN_NAMES[key], "", tuple(items)) if items else None for key, items in groups.items()}
    return Checklists(own.get("bring"), joined["symptoms"], joined["risk-factors"], tuple(others),
                      own.get("questions"))
