"""What `check` says about a library's translations (docs/translations.md): each language's
interface catalog (a message the templates use and it does not translate, a fuzzy one, a
translation that loses a value or a tag), and each translated condition made from a
main-language version that has changed since (stale).
"""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from ..content.load import CONDITION_FILE
from ..errors import Problems
from ..publish import alternates, i18n

TAG = re.compile(r"<[^>]+>")
VALUE = re.compile(r"%\(\w+\)s")
PYTHON_CODE = Path(__file__).resolve().parent.parent    # healthlib/: the messages it marks with N_()


def used_messages(templates: Path) -> set[str]:
    """Every message id the templates and the build's code use, as `make i18n-extract` finds them."""
    found = extract_from_dir(str(templates), method_map=[("**.html", "jinja2")],
                             options_map={"**.html": {"extensions": "jinja2.ext.do"}})
    found = [*found, *extract_from_dir(str(PYTHON_CODE), method_map=[("**.py", "python")])]
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in found}


def catalog_problems(catalogs: Path, templates: Path, codes: list[str], problems: Problems) -> None:
    """Each translated language's catalog against the messages the templates use."""
    used = used_messages(templates) if codes else set()
    for code in codes:
        path = i18n.catalog_path(catalogs, code)
        catalog = i18n.read_catalog(catalogs, code)
        if catalog is None:
            continue        # the build reports it (pipeline.py): every page would be in English
        for message, errors in catalog.check():
            for error in errors:
                problems.error(path, message.lineno, f"the translation of '{message.id}' does not fit it: {error}. "
                               "Keep every %(name)s of the message as it is.")
        for message in catalog:
            if not message.id or message.id not in used:
                continue
            text = message.string if isinstance(message.string, str) else message.string[0]
            if message.fuzzy:
                problems.warn(path, message.lineno, f"the translation of '{message.id}' is marked fuzzy, so pages "
                              "show the English: check it, then delete the '#, fuzzy' line above it.")
            elif not text:
                problems.warn(path, message.lineno, f"'{message.id}' is not translated yet, so pages show it in "
                              "English. Write its translation on the msgstr line.")
            elif sorted(TAG.findall(text)) != sorted(TAG.findall(message.id)) or \
                    set(VALUE.findall(text)) != set(VALUE.findall(message.id)):
                problems.warn(path, message.lineno, f"the translation of '{message.id}' does not have the same "
                              "HTML tags and values as the message. Keep each tag (<strong>, <a href=\"%(href)s\">) "
                              "and each %(name)s as it is.")
        for msgid in sorted(used - {m.id for m in catalog if m.id}):
            problems.warn(path, None, f"'{msgid}' is used by the templates but is not in this catalog, so pages show "
                          "it in English. Run 'make i18n-update', then translate it.")


def stale_problems(main_content: Path, translated, problems: Problems) -> None:
    """A translated condition whose main-language folder changed after its `source_version`.
    `translated`: (Condition, alternates.Source or None) of each translated condition."""
    for condition, source in translated:
        t = condition.translation
        if t is None or source is None or not alternates.is_stale(t, source):
            continue
        problems.warn(condition.folder / CONDITION_FILE, t.line,
                      f"this translation was made from version {t.source_version} of "
                      f"{main_content.name}/{condition.slug}/, which has changed since: it is now version "
                      f"{source.version} (last changed {source.modified}). Bring the translation up to date, then "
                      f"set 'source_version: {source.version}' and 'source_reviewed' to that page's last_reviewed. "
                      "Until then the page says it may be out of date.")

