"""`build.py new <slug>`: a new condition folder with every file and setting in place.

Each setting is left empty under a comment that says what to write, so `build.py check` names
exactly what is still to do, with its line. Made from the section list in model.py, so nothing
here is about one condition.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from ..content.load import CONDITION_FILE, DOCS, FAQ_FILE, slug_problem
from ..content.model import CARE_LEVELS, ITEM_TYPES, SECTION_KINDS, CareLevel, SectionKind


class Refused(Exception):
    """The folder was not made; the message says why and what to do."""


CONDITION = f"""\
# The facts about this condition. Write a value after each empty setting, then run
#     make check
# to see what is still to write, and keep 'make serve' open to see the page. Every setting is explained in {DOCS}.

# The condition's name, as patients say it. It is the page's main heading.
title:

# Other names people may hear (optional): one per line, after '- '.
# Delete the '-' line if there are none.
other_names:
  -

# Other conditions of this library a reader may also need (optional): their folder names,
# one per line after '- ', as in the line below. Shown as "Related conditions" near the end
# of the page. Leave it empty if there are none.
#   - kidney-stones
related:

# One or two plain sentences: what it is, and the one thing to do. Shown under the
# heading, in the A to Z list and by search engines.
summary:

# The 3 to 5 most important facts, one short sentence each.
key_points:
  -
  -
  -

# Dates as YYYY-MM-DD. The next review must come after the last one.
last_reviewed:
next_review_due:

# Where the facts were checked: at least one source. Copy the four lines for each more.
sources:
  - title:          # the page's or article's title
    publisher:      # who published it
    url:            # its address, starting with https://
    accessed:       # optional: the day you read it, YYYY-MM-DD
# 'draft' keeps this page out of the published site while you write it. Change it to
# 'published' when the page is ready and a clinician has approved it.
status: draft

# What changed and when, newest first: a date (YYYY-MM-DD) and one plain line each.
# Add an entry at the top each time you change the page.
changes:
  - date:
    summary:

# The clinician who approved the page, once they have. Never write a name for them.
# Remove the '# ' from these four lines and fill them in.
# sign_off:
#   name:
#   role:             # their role or credentials, e.g. consultant nephrologist
#   date:             # the day they approved it, YYYY-MM-DD
"""

FAQ = """\
# Questions patients often ask, each with a short, plain answer (Markdown).
# Each question ends with '?'. Copy the two lines for each more question.
- question:
  answer:
"""

_LIST = """\
  - id: {id}
    heading:
    items:
      -
"""

_OPTIONAL_LISTS = """\
# Lists shown after the text (optional). To add one, write it like this:
#   - id: short-name            (lower-case letters, digits and hyphens)
#     heading: The words above the list
#     items:
#       - The first item, a short sentence
lists:
"""

# Each list may also say how it goes on the appointment checklist and what its items are.
_LIST_SETTINGS = """\
# Two optional settings of each list, beside 'heading':
#   sheet: on the appointment checklist, since-when (a box to tick and a "Since when?" box),
#          checkbox (a box to tick) or no (not on it). Without it: {sheet}.
#   type:  what the items are, for search engines, one of:
#          {types}. Without it: {type}.
"""

_CARD = """\
  - urgency: {urgency}
    heading:
    items:
      -
"""


def _list_settings(kind: SectionKind) -> str:
    sheet = ", ".join(f"'{i}' {kind.sheet}" for i in kind.sheet_ids) + ", any other no" if kind.sheet_ids \
        else kind.sheet
    return _LIST_SETTINGS.format(sheet=sheet, types=", ".join(ITEM_TYPES), type=kind.item_type)


def _lists(kind: SectionKind) -> str:
    return _list_settings(kind) + _list_lines(kind)


def _list_lines(kind: SectionKind) -> str:
    if kind.required_lists:
        ids = ", ".join(kind.required_lists)
        return (f"# Lists shown after the text. Keep these ids ({ids}): other pages use them.\n"
                "# Give each a heading and its items, one short sentence after each '- '.\n"
                "lists:\n" + "".join(_LIST.format(id=i) for i in kind.required_lists))
    if kind.needs_lists:
        return ("# Lists shown after the text, at least one. Give each a short id (lower-case, e.g.\n"
                "# early), a heading and its items, one short sentence after each '- '.\n"
                "lists:\n" + _LIST.format(id=""))
    return _OPTIONAL_LISTS


def _cards(kind: SectionKind, levels: tuple[CareLevel, ...]) -> str:
    if not kind.needs_cards:
        return ""
    which = "; ".join(f"{level.id}: {level.label}" for level in levels)
    return ("# Advice boxes, one card for each level of care that applies (the library's levels,\n"
            f"# from site.yaml 'care_levels', lowest first: {which}).\n"
            "# Delete the cards that do not apply; keep at least one. The appointment checklist shows\n"
            "# the highest. Write a heading and the signs, one after each '- '.\n"
            "cards:\n" + "".join(_CARD.format(urgency=level.id) for level in levels))


def section_text(kind: SectionKind, levels: tuple[CareLevel, ...] = CARE_LEVELS) -> str:
    return ("---\n"
            f"# The heading of the section about {kind.purpose}, in your words.\n"
            "title:\n"
            f"{_lists(kind)}{_cards(kind, levels)}"
            "# Text shown after the lists (optional, Markdown).\n"
            "closing:\n"
            "---\n"
            f"<!-- Write here, in plain words, {kind.purpose}. Use short sentences. You can use\n"
            "     Markdown: **bold**, lists, and links like [another condition](../other-condition/).\n"
            "     This note is not shown on the page. -->\n")


def files(levels: tuple[CareLevel, ...] = CARE_LEVELS) -> dict[str, str]:
    """Every file of a new condition, by name; `levels`: the library's care levels."""
    return {CONDITION_FILE: CONDITION, FAQ_FILE: FAQ,
            **{f"{k.id}.md": section_text(k, levels) for k in SECTION_KINDS}}


def create(content: Path, slug: str, levels: tuple[CareLevel, ...] = CARE_LEVELS) -> Path:
    """Make content/<slug>/ with every file; refuse a bad name or a folder that exists."""
    problem = slug_problem(slug)
    if problem:
        raise Refused(problem[0].upper() + problem[1:])
    if not content.is_dir():
        raise Refused(f"the content folder {content} does not exist.")
    folder = content / slug
    if folder.exists() or folder.is_symlink():
        raise Refused(f"{folder} already exists. Choose another name, or edit the files in that folder.")
    # Written into a hidden folder first (the build skips those), then renamed: never half made.
    tmp = Path(tempfile.mkdtemp(prefix=f".new-{slug}-", dir=content))
    try:
        for name, text in sorted(files(levels).items()):
            (tmp / name).write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o755)
        os.rename(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


LANGUAGE_SITE = """\
# This language's settings: the words its readers see. The rest of the settings are the
# library's, in the site.yaml at the top of the project. See docs/translations.md.

# The library's name in this language.
name:
# One plain sentence about the library, in this language (optional).
description:
# What every condition page says it does not replace, in this language.
disclaimer:
# The letters of this language's A to Z, in order, separated by spaces (optional: A to Z).
# alphabet: A B C D E F G H I J K L M N Ñ O P Q R S T U V W X Y Z
"""

TRANSLATION = """
# Where this translation came from (docs/translations.md). source_version and source_reviewed
# are the main-language page's version and review date it is made from: keep them until you
# bring the translation up to date with a newer version ('build.py check' says when).
translation:
  source_version: {version}
  source_reviewed: {reviewed}
  translated_by:        # names or roles of who translated it
  clinical_check:       # who checked it clinically, or 'pending'
  cultural_check:       # who checked its language and culture, or 'pending'
"""


def translate(content: Path, slug: str, language: str, main_language: str) -> Path:
    """Make content/<language>/<slug>/: the main-language condition's files to translate in place,
    a draft, with its `translation:` block (the version it is made from filled in); the language
    folder too (its site.yaml to fill in), if it is new."""
    from ..content import languages
    from ..content.load import load_condition
    from ..errors import Problems
    problem = languages._folder_problem(language, main_language)
    if problem:
        raise Refused(problem.replace("this folder has a site.yaml, so it is a language folder, but ", "", 1))
    source = content / slug
    main = load_condition(source, content, Problems()) if (source / CONDITION_FILE).is_file() else None
    if main is None:
        raise Refused(f"there is no condition '{slug}' in {content} to translate (or it has errors: run "
                      "'python build.py check' and fix them first).")
    folder = content / language / slug
    if folder.exists():
        raise Refused(f"{folder} already exists. Edit the files in that folder.")
    (content / language).mkdir(exist_ok=True)
    if not (content / language / "site.yaml").exists():
        (content / language / "site.yaml").write_text(LANGUAGE_SITE, encoding="utf-8")
    tmp = Path(tempfile.mkdtemp(prefix=f".new-{slug}-", dir=content / language))
    try:
        for file in sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith(".")):
            shutil.copyfile(file, tmp / file.name)
        meta = tmp / CONDITION_FILE
        text = re.sub(r"(?m)^status:.*$", "status: draft", meta.read_text(encoding="utf-8"))
        text += ("" if re.search(r"(?m)^status:", text) else "\n# Out of the published site until it is translated.\nstatus: draft\n")
        meta.write_text(text + TRANSLATION.format(version=languages.source_version(source),
                                                  reviewed=main.last_reviewed.isoformat()), encoding="utf-8")
        os.chmod(tmp, 0o755)
        os.rename(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder
