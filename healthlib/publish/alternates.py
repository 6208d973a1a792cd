"""The links between a page's versions in the library's languages: `<link rel="alternate"
hreflang>` (every version, itself included, and x-default), the language switcher, the
language-help notice on the main language's pages, and the sitemap's `xhtml:link` alternates.

Which pages a language has is known before any page is made (pipeline.py): the generated pages
(A-Z, search, 404) in every language, and each condition or editorial page in the languages whose
folder has it, published.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from ..content.languages import direction, native_name
from . import i18n

# The language-help notice, in each language's own words, after the language's name ("Español: ...").
# Translators: say that this information is available in YOUR language (Spanish: "esta información está disponible en español"); start as a sentence goes on after "Name: ".
HELP = i18n.N_("this information is available in English")
ALWAYS = ("index.html", "404.html", "search/index.html")    # pages every language has (render.py)


@dataclass(frozen=True)
class Language:
    code: str        # BCP 47
    prefix: str      # its folder in the site: "" for the main language, "es/"
    name: str        # its own name for itself: "Español"
    help: str        # HELP in its own words
    dir: str         # "ltr" | "rtl"


def language(code: str, prefix: str, locales) -> Language:
    help_text = i18n.translations(locales, code).gettext(HELP) if locales else HELP
    return Language(code, prefix, native_name(code), help_text, direction(code))


@dataclass(frozen=True)
class Versions:
    """The library's languages (the main one first) and the condition and editorial pages each has."""

    languages: tuple[Language, ...] = ()
    have: tuple[frozenset[str], ...] = ()

    def __repr__(self) -> str:
        # Sets sorted: their order changes from process to process, and cache keys are made from this.
        return f"Versions({self.languages!r}, {[sorted(have) for have in self.have]!r})"

    def of(self, path: str) -> list[Language]:
        """The languages that have the page at `path` (within a language's folder), in order;
        none when only one has it."""
        first = path.split("/", 1)[0]
        langs = [lang for lang, have in zip(self.languages, self.have) if path in ALWAYS or first in have]
        return langs if len(langs) > 1 else []

    @property
    def main(self) -> Language | None:
        return self.languages[0] if self.languages else None


def sitemap_links(versions: Versions, path: str, absolute) -> list[tuple[str, str]]:
    """(hreflang, absolute address) of every version of `path` (a site path), x-default last;
    [] when the page has no other version. `absolute`: site path -> absolute address."""
    own = next((lang for lang in versions.languages[1:] if path.startswith(lang.prefix)), versions.main)
    if own is None:
        return []
    inner = path[len(own.prefix):]
    langs = versions.of(inner)
    if not langs:
        return []
    links = [(lang.code, absolute(lang.prefix + inner)) for lang in langs]
    return links + [("x-default", links[0][1])]     # the main language's, which every translation has


@dataclass(frozen=True)
class Source:
    """A translated condition's main-language page as it is now: its version and when it changed."""

    version: str         # languages.source_version of its folder
    modified: object     # datetime.date: Listing.modified


@dataclass(frozen=True)
class Place:
    """Where one language's pages sit among the library's languages (pipeline.py makes it)."""

    prefix: str = ""                       # this language's folder in the site: "" or "es/"
    versions: Versions = Versions()
    sources: tuple[tuple[str, Source], ...] = ()    # a translation's conditions: slug -> its Source
    main_language: str = ""                # the library's main language (its name in a stale notice)

    def key(self) -> str:
        """What every page of the language is made from: not `sources`, each page's own (pipeline.py)."""
        return repr((self.prefix, self.versions, self.main_language))

    @functools.cached_property
    def _sources(self) -> dict[str, Source]:
        return dict(self.sources)

    def source(self, slug: str) -> Source | None:
        return self._sources.get(slug)


def is_stale(translation, source: Source | None) -> bool:
    """Whether the main-language page changed after the version `translation` was made from."""
    return translation is not None and source is not None and \
        source.version[:len(translation.source_version)] != translation.source_version
