"""Language folders: the library in more than one language (docs/translations.md).

A folder of content/ that holds a `site.yaml` is a language folder, named by the language's
BCP 47 code (`es`, `ar`, `pt-BR`). It holds everything in that language: its own site.yaml (the
words readers see), glossary.yaml, _pages/, and condition folders named like the main-language
ones, each read and checked exactly as a condition is, plus a `translation:` block saying where it
came from (governance.py). Each language is an Edition: the same pipeline makes its pages under
its own folder of the site (`es/`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from babel import Locale, UnknownLocaleError

from ..errors import Problems
from ..util.hashing import digest
from .load import Fields, _alphabet, _read_yaml, _readability, locale_setting
from .model import Site

SITE_FILE = "site.yaml"
# What a language folder's site.yaml sets: the words its readers see and how its dates and A-Z work.
SETTINGS = ("name", "description", "disclaimer", "organisation", "contact", "alphabet", "locale", "readability")
REQUIRED = ("name", "disclaimer")     # else the main language's would show on its pages
# Settings of the whole library, written once in the root site.yaml.
LIBRARY_SETTINGS = ("base_url", "language", "markdown_time_limit", "demonstration", "review_cycle_years",
                    "feedback", "required_pages")
VERSION_LENGTH = 12


@dataclass(frozen=True)
class Edition:
    """One language of the library: where its files are and where its pages go."""

    language: str        # BCP 47 code
    content: Path        # content/ for the main language, content/<code>/ for a language folder
    prefix: str = ""     # its pages' folder in the site: "" for the main language, "es/"

    @property
    def translated(self) -> bool:
        return bool(self.prefix)


def is_language_folder(folder: Path) -> bool:
    return (folder / SITE_FILE).is_file()


def locale_of(code: str) -> Locale | None:
    try:
        return Locale.parse(code, sep="-")
    except (ValueError, UnknownLocaleError):
        return None


def bcp47(locale: Locale) -> str:
    return "-".join(part for part in (locale.language, locale.script, locale.territory) if part)


def direction(code: str) -> str:
    """'rtl' or 'ltr', from CLDR's character order for the language."""
    locale = locale_of(code)
    return "rtl" if locale is not None and locale.character_order == "right-to-left" else "ltr"


def native_name(code: str) -> str:
    """The language's name in itself, as a link label: 'Español', 'العربية', 'Português (Brasil)'."""
    locale = locale_of(code)
    name = locale.get_display_name(locale) if locale is not None else code
    return name[:1].upper() + name[1:]


def _folder_problem(name: str, main: str) -> str | None:
    locale = locale_of(name)
    if locale is None and locale_of(name.replace("_", "-")) is not None:
        return f"write the language code '{name}' as '{bcp47(locale_of(name.replace('_', '-')))}' (rename the folder)."
    if locale is None:
        return (f"this folder has a {SITE_FILE}, so it is a language folder, but '{name}' is not a "
                "language code. Name it by its language's code, such as 'es', 'ar' or 'pt-BR' "
                "(docs/translations.md), or remove its site.yaml if it is a condition.")
    if bcp47(locale) != name:
        return f"write the language code '{name}' as '{bcp47(locale)}' (rename the folder)."
    if name == main:
        return (f"'{name}' is the library's main language (site.yaml 'language: {main}'): its "
                "conditions go straight in the content folder, not in a language folder.")
    return None


def editions(content: Path, main: Site, problems: Problems) -> list[Edition]:
    """The main language, then each language folder, A to Z by code."""
    out = [Edition(main.language, content)]
    with os.scandir(content) as entries:
        names = sorted(e.name for e in entries if e.is_dir() and not e.name.startswith((".", "_")))
    for name in names:
        if not is_language_folder(content / name):
            continue
        problem = _folder_problem(name, main.language)
        if problem:
            problems.error(content / name, None, problem)
        else:
            out.append(Edition(name, content / name, f"{name}/"))
    return out


def load_site(edition: Edition, main: Site, problems: Problems) -> Site:
    """The language's settings: the library's, with the words readers see in this language."""
    path = edition.content / SITE_FILE
    doc = _read_yaml(path, edition.content, problems)
    site = replace(main, language=edition.language, locale="", description="", footer=())
    if doc is None:
        return site
    if not isinstance(doc.data, dict):
        problems.error(path, 1, "the language's settings must be 'name: value' lines.")
        return site
    f = Fields(doc, problems)
    for name in doc.data:
        if name in LIBRARY_SETTINGS:
            f.error(name, f"'{name}' is a setting of the whole library: set it in the site.yaml at the top of "
                    f"the project. A language's site.yaml sets only: {', '.join(SETTINGS)}.")
    f.known(SETTINGS + LIBRARY_SETTINGS)
    texts = {name: f.text(name, required=name in REQUIRED, what=f"the {name.replace('_', ' ')} in this language")
             for name in ("name", "description", "disclaimer", "organisation", "contact")}
    return replace(site, **{k: v for k, v in texts.items() if v is not None},
                   alphabet=_alphabet(f) if "alphabet" in doc.data else site.alphabet,
                   locale=locale_setting(f),
                   readability=_readability(f.group("readability", "settings like 'target_grade: 8'"))
                   if "readability" in doc.data else main.readability)


def source_version(folder: Path) -> str:
    """The version of a main-language condition folder a translation is made from: a digest of
    its files' names and text (any change to the page changes it; line endings and a byte-order
    mark do not, so a checkout on Windows gets the same version)."""
    parts: list[bytes | str] = []
    with os.scandir(folder) as scan:
        for entry in sorted(scan, key=lambda e: e.name):
            if entry.is_file() and not entry.name.startswith("."):
                data = Path(entry.path).read_bytes().removeprefix(b"\xef\xbb\xbf")
                parts += [entry.name, data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")]
    return digest(*parts)[:VERSION_LENGTH]
