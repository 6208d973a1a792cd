"""Stage 3, render: the model -> every output file, in memory. Nothing is written here."""
from __future__ import annotations

import datetime as dt
import functools
import gettext
import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import markupsafe

from babel.dates import format_date
from babel.numbers import format_decimal

from . import alternates, filelinks, headers, i18n, seo
from ..content import languages
from ..content.languages import direction
from .az import az_index
from ..content import care, governance, itemlists
from ..text import markup
from ..errors import BuildError, Problem
from ..content.model import Condition, GlossaryTerm, Library, Site

SEARCH_PAGE = "search/index.html"   # within headers.SEARCH_PATHS


@dataclass(frozen=True)
class Asset:
    """A static file published under a content-hashed name (safe to cache for a year)."""

    name: str          # name in static/, e.g. "site.css"
    path: str          # output path, e.g. "assets/site.3f2a9c1b.css"
    data: bytes


def load_assets(static_dir: Path) -> dict[str, Asset]:
    assets = {}
    for file in sorted(p for p in static_dir.rglob("*") if p.is_file()):
        name = file.relative_to(static_dir).as_posix()
        data = file.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:10]
        stem, dot, ext = name.rpartition(".")
        hashed = f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"
        assets[name] = Asset(name, f"assets/{hashed}", data)
    return assets


def _longdate(locale: str):
    """The `longdate` filter: a date as the locale writes it in a sentence (CLDR's long format)."""
    locale = i18n.locale_name(locale)

    @functools.lru_cache(maxsize=4096)     # a library's pages share their dates
    def longdate(value) -> str:
        return format_date(value, "long", locale=locale)
    longdate(dt.date(2000, 1, 1))      # CLDR's data for the locale is read here, before workers fork
    return longdate


def _number(locale: str):
    """The `number` filter: a number as the locale writes it (its digits and separators, CLDR)."""
    locale = i18n.locale_name(locale)

    def number(value) -> str:
        return format_decimal(value, locale=locale)
    return number


def _gettext(translations: gettext.NullTranslations):
    """`_` and `gettext` for the templates: what Jinja's newstyle gettext does in an autoescaped
    template (the translation is Markup, the values are escaped into it), with each message's
    translation looked up once a build instead of through three calls a use."""
    made: dict[str, tuple[markupsafe.Markup, markupsafe.Markup | None]] = {}

    def gettext_(message: str, **values) -> markupsafe.Markup:
        found = made.get(message)
        if found is None:
            text = markupsafe.Markup(translations.gettext(message))
            found = made[message] = (text, None)
        if values:
            return found[0] % values
        if found[1] is None:
            found = made[message] = (found[0], found[0] % {})
        return found[1]
    return gettext_


class _Once:
    """once(macro, *args, **kwargs): the macro's output for these arguments, made once a build and
    reused (the sheet's blank rows). Sound because a macro imported without context sees only its
    arguments and the globals; only for arguments that do not change from page to page."""

    def __init__(self):
        self.made: dict[tuple, object] = {}

    def __call__(self, macro, *args, **kwargs):
        key = (macro, repr(args), repr(sorted(kwargs.items())))
        if key not in self.made:
            self.made[key] = macro(*args, **kwargs)
        return self.made[key]


_escape_inner = getattr(markupsafe, "_escape_inner", None)


def fast_escape(value, _str=str, _markup=markupsafe.Markup, _new=str.__new__):
    """markupsafe.escape without its Python-level Markup constructor: templates call it for every
    value they show (tests/test_fast_paths.py: the same text)."""
    kind = type(value)
    if kind is _str and _escape_inner is not None:
        return _new(_markup, _escape_inner(value))
    if kind is _markup:
        return value
    return markupsafe.escape(value)


class _Template(jinja2.Template):
    """A compiled template whose `{{ value }}` outputs are escaped by fast_escape."""

    @classmethod
    def _from_namespace(cls, environment, namespace, globals):
        namespace["escape"] = fast_escape   # the name the compiled code imports from jinja2.runtime
        return super()._from_namespace(environment, namespace, globals)


def make_env(templates_dir: Path, bytecode_dir: Path | None = None,
             translations: gettext.NullTranslations | None = None, locale: str = "en-GB") -> jinja2.Environment:
    """`bytecode_dir`: where to keep compiled templates between builds (a folder per version of
    the code, as Jinja checks only the template's source). `translations`: the interface text's
    language (i18n.py; default: the templates' own words). `locale`: how dates are written."""
    env = jinja2.Environment(
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(bytecode_dir)) if bytecode_dir else None,
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,                   # every template, whatever its name
        undefined=jinja2.StrictUndefined,  # a missing variable is an error, never blank text
        extensions=["jinja2.ext.do", "jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.template_class = _Template
    # newstyle: `_("… %(name)s", name=value)` escapes the value, as `{{ value }}` does.
    translations = translations or gettext.NullTranslations()
    env.install_gettext_translations(translations, newstyle=True)
    env.globals["_"] = env.globals["gettext"] = _gettext(translations)
    env.filters["longdate"] = _longdate(locale)
    env.filters["number"] = _number(locale)
    env.globals["once"] = _Once()
    env.globals["content_security_policy"] = headers.META_POLICY
    return env


def _template_problem(exc: Exception, templates_dir: Path) -> Problem:
    """Name the template and line of a Jinja error, from the exception or its traceback."""
    name, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if name is None:
        tb = exc.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.startswith(str(templates_dir)):
                name, line = filename, tb.tb_lineno
            tb = tb.tb_next
    shown = Path(name).as_posix() if name else str(templates_dir)
    try:
        shown = Path(name).resolve().relative_to(templates_dir.resolve().parent).as_posix()
    except (TypeError, ValueError):
        pass
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, jinja2.UndefinedError):
        message += ". Pass this value to the template or remove it from the template"
    elif isinstance(exc, jinja2.TemplateSyntaxError):
        message = f"template syntax error: {message}. Check the tags on this line"
    return Problem(shown, line, message.rstrip(".") + ".")


def library_paths(library: Library) -> list[str]:
    """The library pages of a language that the sitemap lists (library_pages makes them)."""
    return ["index.html", SEARCH_PAGE, *(f"{p.url}index.html" for p in library.pages if p.status == "published")]


class Renderer:
    """Renders pages to bytes, in memory, from the site settings, the glossary, the templates and
    the static files. A condition's pages are made from that condition alone besides these."""

    def __init__(self, site: Site, glossary: tuple[GlossaryTerm, ...], templates_dir: Path, static_dir: Path,
                 pdf_papers: tuple = (), bytecode_dir: Path | None = None, today: dt.date | None = None,
                 locales: Path | None = None, place: alternates.Place | None = None):
        """`pdf_papers`: the pdf.Paper sizes the build makes sheet PDFs in, so pages link them;
        empty when it makes none. `bytecode_dir`: where Jinja may keep compiled templates.
        `today`: a page past its review date says so (default: today). `locales`: the folder
        of interface-text catalogs (i18n.py); none: the templates' own words. `place`: this
        language among the library's (alternates.py); none: a library in one language."""
        self.site, self.glossary = site, glossary
        self.today = today or dt.date.today()
        self.pdf_papers = tuple(pdf_papers)
        self.templates_dir = templates_dir
        self.catalog = i18n.catalog_path(locales, site.language) if locales else None
        self.place = place or alternates.Place()
        self.dir = direction(site.language)
        self.env = make_env(templates_dir, bytecode_dir,
                            i18n.translations(locales, site.language) if locales else None, site.date_locale)
        self.assets = load_assets(static_dir)

    def _context(self, out_path: str, rel: str | None) -> dict:
        # Links are relative to the page, so the site works from any folder (`rel` overrides this
        # for 404.html, which a host serves at any depth). `rel` leads to this language's home,
        # `root` to the site's (its assets).
        prefix = self.place.prefix
        full = prefix + out_path
        root = "../" * full.count("/") if rel is None else rel
        rel = "../" * out_path.count("/") if rel is None else rel + prefix

        def asset(name: str) -> str:
            return root + self.assets[name].path

        versions = [(lang, seo.absolute(self.site, lang.prefix + out_path),
                     root + lang.prefix + seo.clean_url(out_path) or "./") for lang in self.place.versions.of(out_path)]
        return {"site": self.site, "rel": rel, "root": root, "prefix": prefix, "asset": asset, "dir": self.dir,
                "canonical": seo.absolute(self.site, full), "pdf_papers": self.pdf_papers,
                "versions": versions, "language_help": [v for v in versions if v[0].prefix != prefix] if not prefix else []}

    def render(self, template: str, out_path: str, rel: str | None = None, **context) -> bytes:
        try:
            html = self.env.get_template(template).render(**self._context(out_path, rel), **context)
        except (jinja2.TemplateError, TypeError, AttributeError, KeyError) as exc:
            raise BuildError([_template_problem(exc, self.templates_dir)]) from None
        condition = context.get("condition")
        if template == "condition.html":
            html = markup.explain_terms(html, self.glossary, skip=(condition.title, *condition.other_names))
        leak = markup.TEMPLATE_TEXT.search(html)
        if leak:
            line = html.count("\n", 0, leak.start()) + 1
            raise BuildError([Problem(out_path, line, f"unrendered template text '{leak.group(0)}' would be "
                                      "published. Remove it from the content or template.")])
        if not self.site.directory_urls:
            html = filelinks.to_files(html)
        return html.encode("utf-8")

    def condition_pages(self, condition: Condition, related: list[tuple[str, str]] = ()) -> list[tuple[str, bytes]]:
        """`related`: the (address, title) of each condition it lists as related (pipeline.py)."""
        path, prefix = f"{condition.slug}/index.html", self.place.prefix
        json_ld = [seo.script_json(block) for block in seo.condition_json_ld(self.site, condition, prefix + path)]
        sheet = condition.prep_url + "index.html"
        feedback = governance.feedback_href(self.site, condition.title, seo.absolute(self.site, prefix + path))
        source = self.place.source(condition.slug)
        stale = source if alternates.is_stale(condition.translation, source) else None
        return [(prefix + path, self.render("condition.html", path, condition=condition, json_ld=json_ld,
                                            related=list(related), feedback=feedback, stale=stale,
                                            main_language=self.main_language,
                                            overdue=governance.overdue(condition, self.today))),
                (prefix + sheet, self.render("sheet.html", sheet, condition=condition,
                                             lists=itemlists.checklists(condition), care=care.highest(self.site, condition)))]

    @functools.cached_property
    def main_language(self) -> str:
        """The library's main language, named in this page's language ('inglés'), for the stale notice."""
        code = self.place.main_language or self.site.language
        main, here = languages.locale_of(code), languages.locale_of(self.site.language)
        return main.get_display_name(here) if main and here else code

    def library_pages(self, library: Library, html_paths: list[str],
                      others: tuple[tuple[str, Library], ...] = ()) -> list[tuple[str, bytes]]:
        """The pages made from every condition's listing: the A-Z index, the editorial pages, the
        search page and 404.html, in this language's folder; for the main language, sitemap.xml
        and robots.txt too. `html_paths`: the conditions' pages (every language's), for the
        sitemap; `others`: the other languages' (prefix, Library), whose library pages it lists."""
        root, prefix = urlsplit(self.site.base_url).path or "/", self.place.prefix
        az = az_index(library.conditions, self.site.alphabet)
        pages = [(f"{page.url}index.html", self.render("page.html", f"{page.url}index.html", page=page))
                 for page in library.pages if page.status == "published"]
        made = [("index.html", self.render("index.html", "index.html", library=library, az=az)), *pages,
                (SEARCH_PAGE, self.render("search.html", SEARCH_PAGE,
                                          content_security_policy=headers.SEARCH_META_POLICY)),
                ("404.html", self.render("404.html", "404.html", rel=root, library=library))]
        made = [(prefix + path, data) for path, data in made]
        if prefix:
            return made
        listed = [path for path, _ in made if path != "404.html"]
        listed += [other + path for other, lib in others for path in library_paths(lib)]
        lastmod = seo.lastmods(library, others)
        return made + [("sitemap.xml", seo.sitemap(self.site, [*listed, *html_paths], lastmod, self.place.versions)),
                       ("robots.txt", seo.robots_txt(self.site))]

    def static_files(self) -> list[tuple[str, bytes]]:
        """The content-hashed assets and the hosts' _headers file."""
        languages = tuple(lang.prefix for lang in self.place.versions.languages if lang.prefix)
        return [*((asset.path, asset.data) for asset in self.assets.values()),
                ("_headers", headers.headers_file(languages=languages))]
