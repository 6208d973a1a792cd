"""Interface text through gettext catalogs: a language's .po file translates the templates' words."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from bs4 import BeautifulSoup

from contentkit import REPO
from healthlib.pipeline import Project, load
from healthlib.publish import i18n
from healthlib.publish.render import Renderer

TINY = Path(__file__).parent / "fixtures" / "tiny"


def write_catalog(locales: Path, language: str, messages: dict[str, str], fuzzy: tuple[str, ...] = ()) -> Path:
    """A .po file for `language` with these translations (msgid -> msgstr)."""
    catalog = Catalog(locale=i18n.locale_name(language), domain=i18n.DOMAIN)
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr, flags=("fuzzy",) if msgid in fuzzy else ())
    path = i18n.catalog_path(locales, language)
    path.parent.mkdir(parents=True)
    with path.open("wb") as file:
        write_po(file, catalog)
    return path


def tiny_condition_page(locales: Path, language: str) -> BeautifulSoup:
    library = load(Project.at(TINY.parent.parent.parent, TINY / "content"))[0]
    site = replace(library.site, language=language)
    renderer = Renderer(site, library.glossary, REPO / "templates", REPO / "static", locales=locales)
    condition = library.conditions[0]
    pages = dict(renderer.condition_pages(condition))
    return BeautifulSoup(pages[f"{condition.slug}/index.html"], "html5lib")


def test_a_languages_catalog_translates_the_interface_text(tmp_path):
    write_catalog(tmp_path, "fr", {"Key points": "Points clés", "Skip to main content": "Aller au contenu",
                                   "Key points of nothing": "unused"})
    page = tiny_condition_page(tmp_path, "fr")
    assert page.find(id="key-points").get_text() == "Points clés"
    assert page.select_one("a.skip-link").get_text() == "Aller au contenu"
    # A message with no translation shows its id: `check` warns about it (not silence on the page).
    assert page.find(id="sources-heading").get_text() == "Sources and review"


def test_a_fuzzy_translation_is_not_used(tmp_path):
    write_catalog(tmp_path, "fr", {"Key points": "Points clés"}, fuzzy=("Key points",))
    assert tiny_condition_page(tmp_path, "fr").find(id="key-points").get_text() == "Key points"


def test_values_in_a_translated_message_stay_escaped(tmp_path):
    write_catalog(tmp_path, "fr", {"Print the appointment checklist for %(title)s": "Imprimer la liste pour %(title)s"})
    library = load(Project.at(TINY.parent.parent.parent, TINY / "content"))[0]
    condition = replace(library.conditions[0], title="A <b>bold</b> name")
    renderer = Renderer(replace(library.site, language="fr"), library.glossary, REPO / "templates",
                        REPO / "static", locales=tmp_path)
    html = dict(renderer.condition_pages(condition))[f"{condition.slug}/index.html"].decode()
    assert "Imprimer la liste pour A &lt;b&gt;bold&lt;/b&gt; name" in html


def test_the_templates_own_language_needs_no_catalog(tmp_path):
    page = tiny_condition_page(tmp_path, "en")
    assert page.find(id="key-points").get_text() == "Key points"


def test_pybabel_extracts_every_template_message_and_the_papers(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "--quiet", "extract", "-F", "babel.cfg",
                    "-o", str(pot), "."], cwd=REPO, check=True)
    text = pot.read_text(encoding="utf-8")
    for msgid in ("Key points", "Skip to main content", "Page not found", "US Letter",
                  "Print the appointment checklist for %(title)s"):
        assert f'msgid "{msgid}"' in text, msgid


def test_the_templates_gettext_gives_what_jinjas_newstyle_gettext_gives(tmp_path):
    """render._gettext stands for Jinja's own newstyle gettext (faster): the same text, values escaped."""
    import jinja2
    from healthlib.publish.render import make_env
    write_catalog(tmp_path, "fr", {"Key points": "Points <b>clés</b>", "Print %(title)s": "Imprimer %(title)s",
                                   "100%% sure": "sûr à 100%%"})
    translations = i18n.translations(tmp_path, "fr")
    source = ('{{ _("Key points") }}|{{ _("Print %(title)s", title=name) }}|{{ _("100%% sure") }}|'
              '{{ _("Not translated %(x)s", x=name) }}|{{ gettext("Key points") }}')
    ours = make_env(tmp_path, translations=translations).from_string(source)
    theirs = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    theirs.install_gettext_translations(translations, newstyle=True)
    for name in ("A <i>name</i> & more", "plain"):
        assert ours.render(name=name) == theirs.from_string(source).render(name=name)
    assert "Imprimer A &lt;i&gt;name&lt;/i&gt; &amp; more" in ours.render(name="A <i>name</i> & more")
