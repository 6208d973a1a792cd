"""Interface text in the reader's language: gettext catalogs (Babel) for the templates' words.

Templates write their words in English as gettext message ids (`{{ _("Key points") }}`); each
language's translations are a `.po` file in `locales/<locale>/LC_MESSAGES/messages.po`
(docs/translations.md). The build compiles the `.po` in memory each time (a few milliseconds),
so a compiled `.mo` can never be stale or forgotten; `make translations-compile` writes them only
for other gettext tools.
"""
from __future__ import annotations

import gettext
import io
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DOMAIN = "messages"
SOURCE_LANGUAGE = "en"     # the language of the message ids written in the templates


def N_(message: str) -> str:
    """Marks a message in Python code for `pybabel extract`; the template translates it."""
    return message


def locale_name(language: str) -> str:
    """A BCP 47 code ('pt-BR') as gettext and CLDR name its folder ('pt_BR')."""
    try:
        return str(Locale.parse(language, sep="-"))
    except (ValueError, UnknownLocaleError):
        return language.replace("-", "_")


def needs_catalog(language: str) -> bool:
    """Whether pages in `language` need a catalog: every language but the message ids' own."""
    return language.split("-")[0].lower() != SOURCE_LANGUAGE


def catalog_path(locales: Path, language: str) -> Path:
    return locales / locale_name(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(locales: Path, language: str):
    """The language's catalog (babel Catalog), or None when it has no `.po` file."""
    path = catalog_path(locales, language)
    if not path.is_file():
        return None
    with path.open("rb") as file:
        return read_po(file, locale=locale_name(language), domain=DOMAIN)


def translations(locales: Path, language: str) -> gettext.NullTranslations:
    """The language's translations, compiled in memory from its `.po`; the message ids
    themselves for the templates' own language (or a language with no catalog)."""
    catalog = read_catalog(locales, language)
    if catalog is None:
        return gettext.NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)   # as `pybabel compile`: fuzzy entries are left out
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)
