"""Stage 3, render: the model -> every output file, in memory. Nothing is written here."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import markupsafe

from . import filelinks, headers, seo
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


def _longdate(value) -> str:
    return f"{value.day} {value:%B %Y}"


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


def make_env(templates_dir: Path, bytecode_dir: Path | None = None) -> jinja2.Environment:
    """`bytecode_dir`: where to keep compiled templates between builds (a folder per version of
    the code, as Jinja checks only the template's source)."""
    env = jinja2.Environment(
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(bytecode_dir)) if bytecode_dir else None,
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,                   # every template, whatever its name
        undefined=jinja2.StrictUndefined,  # a missing variable is an error, never blank text
        extensions=["jinja2.ext.do"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.template_class = _Template
    env.filters["longdate"] = _longdate
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


class Renderer:
    """Renders pages to bytes, in memory, from the site settings, the glossary, the templates and
    the static files. A condition's pages are made from that condition alone besides these."""

    def __init__(self, site: Site, glossary: tuple[GlossaryTerm, ...], templates_dir: Path, static_dir: Path,
                 pdf_papers: tuple = (), bytecode_dir: Path | None = None, today: dt.date | None = None):
        """`pdf_papers`: the pdf.Paper sizes the build makes sheet PDFs in, so pages link them;
        empty when it makes none. `bytecode_dir`: where Jinja may keep compiled templates.
        `today`: a page past its review date says so (default: today)."""
        self.site, self.glossary = site, glossary
        self.today = today or dt.date.today()
        self.pdf_papers = tuple(pdf_papers)
        self.templates_dir = templates_dir
        self.env = make_env(templates_dir, bytecode_dir)
        self.assets = load_assets(static_dir)

    def _context(self, out_path: str, rel: str | None) -> dict:
        # Links are relative to the page, so the site works from any folder (`rel` overrides this
        # for 404.html, which a host serves at any depth).
        rel = "../" * out_path.count("/") if rel is None else rel

        def asset(name: str) -> str:
            return rel + self.assets[name].path

        return {"site": self.site, "rel": rel, "asset": asset, "canonical": seo.absolute(self.site, out_path),
                "pdf_papers": self.pdf_papers}

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
        path = f"{condition.slug}/index.html"
        json_ld = [seo.script_json(block) for block in seo.condition_json_ld(self.site, condition, path)]
        sheet = condition.prep_url + "index.html"
        feedback = governance.feedback_href(self.site, condition.title, seo.absolute(self.site, path))
        return [(path, self.render("condition.html", path, condition=condition, json_ld=json_ld,
                                   related=list(related), feedback=feedback,
                                   overdue=governance.overdue(condition, self.today))),
                (sheet, self.render("sheet.html", sheet, condition=condition, lists=itemlists.checklists(condition),
                                    care=care.highest(self.site, condition)))]

    def library_pages(self, library: Library, html_paths: list[str]) -> list[tuple[str, bytes]]:
        """The pages made from every condition's listing: the A-Z index, 404.html, sitemap.xml
        and robots.txt. `html_paths`: the conditions' pages, for the sitemap."""
        root = urlsplit(self.site.base_url).path or "/"
        az = az_index(library.conditions, self.site.alphabet)
        pages = [(f"{page.url}index.html", self.render("page.html", f"{page.url}index.html", page=page))
                 for page in library.pages if page.status == "published"]
        return [("index.html", self.render("index.html", "index.html", library=library, az=az)), *pages,
                (SEARCH_PAGE, self.render("search.html", SEARCH_PAGE,
                                          content_security_policy=headers.SEARCH_META_POLICY)),
                ("404.html", self.render("404.html", "404.html", rel=root, library=library)),
                ("sitemap.xml", seo.sitemap(library, ["index.html", SEARCH_PAGE, *(path for path, _ in pages),
                                                      *html_paths])),
                ("robots.txt", seo.robots_txt(self.site))]

    def static_files(self) -> list[tuple[str, bytes]]:
        """The content-hashed assets and the hosts' _headers file."""
        return [*((asset.path, asset.data) for asset in self.assets.values()), ("_headers", headers.headers_file())]
