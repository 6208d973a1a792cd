"""A library in more than one language, for the tests of language folders: the tiny library
(English) with a language folder in a language the bundled content does not have, and that
language's interface catalog (test data only: a few of the words translated)."""
from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from contentkit import REPO, copy_tiny_library
from healthlib.content import languages
from healthlib.pipeline import Project
from healthlib.publish import i18n

SLUG = "sample-condition"


def write_catalog(locales: Path, language: str, messages: dict[str, str], fuzzy: tuple[str, ...] = ()) -> Path:
    """A .po file for `language` with these translations (msgid -> msgstr)."""
    catalog = Catalog(locale=i18n.locale_name(language), domain=i18n.DOMAIN)
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr, flags=("fuzzy",) if msgid in fuzzy else ())
    path = i18n.catalog_path(locales, language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalog)
    return path


def translation_block(main_folder: Path, **given) -> str:
    fields = {"source_version": languages.source_version(main_folder), "source_reviewed": "2026-01-10",
              "translated_by": "A test translator", "clinical_check": "pending", "cultural_check": "pending"} | given
    return "translation:\n" + "".join(f"  {key}: {value}\n" for key, value in fields.items())


def add_language(lib: Path, code: str, messages: dict[str, str], site: str = "", slugs=(SLUG,),
                 glossary: str = "") -> Path:
    """content/<code>/ with its site.yaml, and a translation of each of `slugs` (the English text,
    test data), each with its translation block; the language's catalog of `messages`."""
    folder = lib / "content" / code
    folder.mkdir()
    (folder / "site.yaml").write_text(site or f"name: Library {code}\ndisclaimer: Disclaimer {code}.\n",
                                      encoding="utf-8")
    if glossary:
        (folder / "glossary.yaml").write_text(glossary, encoding="utf-8")
    for slug in slugs:
        shutil.copytree(lib / "content" / slug, folder / slug)
        meta = folder / slug / "condition.yaml"
        meta.write_text(meta.read_text(encoding="utf-8") + translation_block(lib / "content" / slug),
                        encoding="utf-8")
    write_catalog(lib / "locales", code, messages)
    return folder


def library_in(tmp_path: Path, code: str = "fr", messages: dict[str, str] | None = None, **more) -> Path:
    """The tiny library with a language folder `code`; returns the library's folder."""
    lib = copy_tiny_library(tmp_path)
    add_language(lib, code, messages if messages is not None else {
        "Key points": "Points clés", i18n.N_("this information is available in English"):
            "ces informations sont disponibles en français"}, **more)
    return lib


def project_of(lib: Path) -> Project:
    return Project(lib, lib / "content", REPO / "templates", REPO / "static", lib / "site.yaml", lib / "locales")
