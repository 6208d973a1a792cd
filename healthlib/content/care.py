"""Care levels: the library defines them once (site.yaml `care_levels:`, lowest first; model.CARE_LEVELS
by default), each with its label, screen-reader text and style; a condition's cards each use one.
A card naming a level the library does not define is an error at the card, naming the levels."""
from __future__ import annotations

import difflib
import re

from ..errors import Problems
from .model import CARE_LEVELS, CARE_STYLES, CareCard, CareLevel, Condition, Site

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SECTION = "when-to-get-help"
DOCS = "docs/content-format.md"


def site_levels(f) -> tuple[CareLevel, ...]:
    """site.yaml's `care_levels:` (load.Fields), checked, or the default levels."""
    if "care_levels" not in f.data:
        return CARE_LEVELS
    levels: list[CareLevel] = []
    for g in f.maps("care_levels", what="a list of levels, each with 'id', 'label' and 'style'"):
        g.known(("id", "label", "hidden", "style"))
        level_id, label = g.text("id", what="a short lower-case name, such as 'urgent'"), g.text("label")
        style = g.text("style", what=" or ".join(CARE_STYLES))
        hidden = (g.text("hidden", required=False, what="what screen readers say first") or label or "").rstrip(":")
        if level_id is not None and not _ID.match(level_id):
            g.error("id", f"the level id '{level_id}' must be lower-case letters, digits and hyphens.")
        elif level_id is not None and any(level.id == level_id for level in levels):
            g.error("id", f"the level '{level_id}' is defined twice. Keep one.")
        elif style is not None and style not in CARE_STYLES:
            g.error("style", f"'style' must be one of: {', '.join(CARE_STYLES)}; got '{style}'.")
        elif level_id and label and style:
            levels.append(CareLevel(level_id, label, hidden, style))
    if not levels and isinstance(f.data.get("care_levels"), list):
        f.error("care_levels", "define at least one care level, or remove 'care_levels' to use the defaults.")
    return tuple(levels) or CARE_LEVELS


def condition_problems(site: Site, condition: Condition, problems: Problems) -> bool:
    """Report each card whose level the library does not define; False when there is one."""
    section = next((s for s in condition.sections if s.id == SECTION), None)
    ids = [level.id for level in site.care_levels]
    ok = True
    for card in section.cards if section else ():
        if card.urgency in ids:
            continue
        ok = False
        close = difflib.get_close_matches(card.urgency, ids, n=1, cutoff=0.5)
        hint = f" Did you mean '{close[0]}'? Rename it," if close else " Use one of them,"
        problems.error(section.path, card.line,
                       f"'urgency: {card.urgency}' is not one of this library's care levels "
                       f"({', '.join(ids)}, from site.yaml 'care_levels').{hint} or add the level to "
                       f"'care_levels' in site.yaml (see {DOCS}).")
    return ok


def highest(site: Site, condition: Condition) -> CareCard | None:
    """The condition's card of the highest level it uses: the one its appointment sheet shows."""
    section = next((s for s in condition.sections if s.id == SECTION), None)
    rank = {level.id: i for i, level in enumerate(site.care_levels)}
    cards = [c for c in (section.cards if section else ()) if c.urgency in rank]
    return max(cards, key=lambda c: rank[c.urgency], default=None)
