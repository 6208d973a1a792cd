"""A library in several languages: language folders, their pages and addresses, the links between
a page's versions, stale translations, catalogs, and the errors an editor can make.

The languages here are test data (French, Arabic, a few catalog words each); the bundled Spanish
edition is tested as it is built (test_bundled_*)."""
from __future__ import annotations

import datetime as dt
import shutil
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from contentkit import REPO, copy_tiny_library, replace_in
from langkit import SLUG, add_language, library_in, project_of, write_catalog
from healthlib import pipeline
from healthlib.content import languages
from healthlib.editor import check
from healthlib.errors import BuildError
from healthlib.publish import i18n
from healthlib.publish.az import az_index
from sitecopy import run_cli

TODAY = dt.date(2026, 6, 1)


def build(lib: Path, tmp_path: Path, **options) -> Path:
    out = tmp_path / "site"
    pipeline.build(project_of(lib), out, pdfs=False, search=False, today=TODAY, **options)
    return out


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def messages(lib: Path, today: dt.date = TODAY) -> list[str]:
    return [str(p) for p in check.run(project_of(lib), today).problems]


def build_errors(lib: Path, tmp_path: Path) -> list[str]:
    with pytest.raises(BuildError) as caught:
        build(lib, tmp_path)
    return [str(p) for p in caught.value.problems if p.is_error]


# ------------------------------------------------------------------ pages and addresses


def test_a_language_folder_is_built_under_its_code_with_lang_dir_and_its_own_words(tmp_path):
    site = build(library_in(tmp_path), tmp_path)
    for page in (f"fr/{SLUG}/index.html", f"fr/{SLUG}/appointment-prep/index.html", "fr/index.html",
                 "fr/404.html", "fr/search/index.html"):
        html = soup(site / page).html
        assert (html["lang"], html["dir"]) == ("fr", "ltr"), page
    page = soup(site / f"fr/{SLUG}/index.html")
    assert page.find(id="key-points").get_text() == "Points clés"
    assert page.select_one(".site-header__name").get_text() == "Library fr"
    assert "Disclaimer fr." in page.get_text()
    assert soup(site / f"{SLUG}/index.html").find(id="key-points").get_text() == "Key points"


def test_hreflang_alternates_are_reciprocal_with_a_full_set_and_x_default_on_every_version(tmp_path):
    site = build(library_in(tmp_path), tmp_path)
    base = "https://example.org/library/"
    pages = [p.relative_to(site).as_posix() for p in site.rglob("index.html")]
    checked = 0
    for page in pages:
        links = {link["hreflang"]: link["href"] for link in soup(site / page).select('link[rel="alternate"]')}
        if not links:
            assert page.removeprefix("fr/").split("/")[0] in ("about", "accessibility", "contact",
                                                              "how-we-write", "privacy"), page
            continue
        own = base + page.removesuffix("index.html")
        assert own in links.values() and set(links) == {"en", "fr", "x-default"}, (page, links)
        assert links["x-default"] == links["en"]
        for code, url in links.items():     # every version lists the same set: reciprocal
            other = soup(site / (url.removeprefix(base) + "index.html"))
            assert {l["hreflang"]: l["href"] for l in other.select('link[rel="alternate"]')} == links
        checked += 1
    assert checked == 8    # A-Z, search, the condition page and its sheet, in each language


def test_the_sitemap_lists_every_version_of_every_page_with_xhtml_alternates(tmp_path):
    site = build(library_in(tmp_path), tmp_path)
    import xml.etree.ElementTree as ET
    from healthlib.publish import seo
    ns = {"s": seo.SITEMAP_NS, "x": seo.XHTML_NS}
    urls = {u.findtext("s:loc", namespaces=ns): {l.get("hreflang"): l.get("href") for l in u.findall("x:link", ns)}
            for u in ET.parse(site / "sitemap.xml").getroot().findall("s:url", ns)}
    base = "https://example.org/library/"
    assert f"{base}fr/{SLUG}/" in urls and f"{base}fr/" in urls and f"{base}fr/search/" in urls
    expected = {"en": f"{base}{SLUG}/", "fr": f"{base}fr/{SLUG}/", "x-default": f"{base}{SLUG}/"}
    assert urls[f"{base}{SLUG}/"] == urls[f"{base}fr/{SLUG}/"] == expected
    assert urls[f"{base}about/"] == {}      # the French folder has no editorial pages: no alternates
    assert not (site / "fr" / "sitemap.xml").exists()


def test_the_structured_data_says_each_pages_language(tmp_path):
    site = build(library_in(tmp_path), tmp_path)
    for prefix, code in (("", "en"), ("fr/", "fr")):
        data = soup(site / f"{prefix}{SLUG}/index.html").find("script", type="application/ld+json").string
        assert f'"inLanguage": "{code}"' in data
        assert f'"url": "https://example.org/library/{prefix}{SLUG}/"' in data


def test_the_language_switcher_names_each_language_in_itself_with_hreflang_and_lang(tmp_path):
    site = build(library_in(tmp_path), tmp_path)
    for page, current in ((f"{SLUG}/index.html", "en"), (f"fr/{SLUG}/index.html", "fr")):
        links = soup(site / page).select(".language-switcher a")
        assert [(a.get_text(), a["hreflang"], a["lang"]) for a in links] == [
            ("English", "en", "en"), ("Français", "fr", "fr")]
        assert [a["hreflang"] for a in links if a.get("aria-current") == "page"] == [current]
        for a in links:
            assert (site / page).parent.joinpath(a["href"], "index.html").resolve().is_file()
    assert not soup(site / "about/index.html").select(".language-switcher")   # no translation: no switcher


def test_the_language_help_notice_links_each_translation_in_its_own_words_on_main_pages_only(tmp_path):
    site = build(library_in(tmp_path), tmp_path)
    for page, target in ((f"{SLUG}/index.html", f"fr/{SLUG}/"), ("index.html", "fr/"),
                         (f"{SLUG}/appointment-prep/index.html", f"fr/{SLUG}/appointment-prep/")):
        notice = soup(site / page).select(".language-help p")
        assert [(p["lang"], p.get_text()) for p in notice] == [
            ("fr", "Français: ces informations sont disponibles en français")], page
        href = notice[0].a["href"]
        assert notice[0].a["hreflang"] == "fr"
        assert ((site / page).parent / href).resolve() == (site / target).resolve()
    assert not soup(site / f"fr/{SLUG}/index.html").select(".language-help")
    assert not soup(site / "about/index.html").select(".language-help")


def test_a_translations_page_shows_who_translated_and_checked_it(tmp_path):
    lib = library_in(tmp_path)
    replace_in(lib / "content/fr" / SLUG / "condition.yaml", "cultural_check: pending", "cultural_check: A reader")
    status = soup(build(lib, tmp_path) / f"fr/{SLUG}/index.html").select_one(".review")
    text = " ".join(status.get_text(" ").split())
    assert "Translated by: A test translator" in text
    assert "Clinical check of the translation: not done yet" in text
    assert "Language and culture check: A reader" in text
    assert status.find("time", datetime="2026-01-10")


# ------------------------------------------------------------------ stale translations


def test_a_stale_translation_is_warned_about_with_the_current_version_and_its_page_says_so(tmp_path):
    lib = library_in(tmp_path)
    assert not soup(build(lib, tmp_path) / f"fr/{SLUG}/index.html").select(".stale-note")
    assert not [m for m in messages(lib) if "has changed since" in m]
    replace_in(lib / "content" / SLUG / "symptoms.md", "sore", "very sore")
    current = languages.source_version(lib / "content" / SLUG)
    meta = lib / "content/fr" / SLUG / "condition.yaml"
    line = next(i for i, text in enumerate(meta.read_text().splitlines(), 1) if "source_version" in text)
    stale = [m for m in messages(lib) if "has changed since" in m]
    assert len(stale) == 1 and stale[0].startswith(f"content/fr/{SLUG}/condition.yaml:{line}: ")
    assert f"it is now version {current}" in stale[0]
    note = soup(build(lib, tmp_path / "again") / f"fr/{SLUG}/index.html").select_one(".stale-note")
    assert note is not None and note.find("time", datetime="2026-01-10")
    assert note.a["href"] == f"../../{SLUG}/" and note.a["hreflang"] == "en"
    replace_in(meta, re.search(r"source_version: (\w+)", meta.read_text()).group(1), current)
    assert not [m for m in messages(lib) if "has changed since" in m]


def test_the_stale_notice_is_in_the_translations_language(tmp_path):
    lib = library_in(tmp_path, messages={
        "This translation may be out of date.": "Cette traduction n'est peut-être pas à jour.",
        "The %(language)s page was updated on %(date)s, and this translation may not include the change.":
            "La page en %(language)s a changé le %(date)s."})
    replace_in(lib / "content" / SLUG / "symptoms.md", "sore", "very sore")
    note = soup(build(lib, tmp_path) / f"fr/{SLUG}/index.html").select_one(".stale-note").get_text()
    assert "Cette traduction n'est peut-être pas à jour." in note
    assert "La page en anglais a changé le 10 janvier 2026." in note


# ------------------------------------------------------------------ dates and the A-Z


@pytest.mark.parametrize(("locale", "written"), [("en-US", "January 10, 2026"), ("en-GB", "10 January 2026")])
def test_english_dates_follow_the_locale_setting(tmp_path, locale, written):
    lib = copy_tiny_library(tmp_path)
    replace_in(lib / "site.yaml", "language: en", f"language: en\nlocale: {locale}")
    page = soup(build(lib, tmp_path) / f"{SLUG}/index.html")
    assert page.select_one('.review time[datetime="2026-01-10"]').get_text() == written


def test_a_languages_dates_are_written_its_way(tmp_path):
    page = soup(build(library_in(tmp_path, code="es"), tmp_path) / f"es/{SLUG}/index.html")
    assert page.select_one('.review time[datetime="2026-01-10"]').get_text() == "10 de enero de 2026"


def test_a_bad_locale_is_an_error_at_its_line(tmp_path):
    lib = copy_tiny_library(tmp_path)
    replace_in(lib / "site.yaml", "language: en", "language: en\nlocale: en-XX-nowhere")
    assert any(m.startswith("site.yaml:5: 'en-XX-nowhere' is not a locale") for m in build_errors(lib, tmp_path))


SPANISH = tuple("A B C D E F G H I J K L M N Ñ O P Q R S T U V W X Y Z".split())


def test_the_spanish_a_to_z_puts_n_tilde_after_n_and_files_accented_letters_with_their_letter():
    class Listing:
        def __init__(self, title):
            self.title, self.slug, self.other_names = title, title.lower(), ()
    titles = ["Oído", "Ñandú", "Nariz", "Ámbar", "Azúcar", "Asma", "Úlcera", "Uña", "Nuca"]
    groups = {g.letter: [e.name for e in g.entries] for g in az_index([Listing(t) for t in titles], SPANISH)}
    assert groups["A"] == ["Ámbar", "Asma", "Azúcar"]
    assert groups["N"] == ["Nariz", "Nuca"] and groups["Ñ"] == ["Ñandú"]
    assert groups["U"] == ["Úlcera", "Uña"] and groups["O"] == ["Oído"]
    assert list(groups).index("Ñ") == list(groups).index("N") + 1


def test_the_bundled_spanish_a_to_z_has_its_own_alphabet(built_site):
    letters = [next(li.strings) for li in soup(built_site / "es/index.html").select(".az-letters li")]
    assert letters[13:15] == ["N", "Ñ"] and letters[0] == "A"


# ------------------------------------------------------------------ pages never mix languages


def test_a_translation_missing_a_section_is_an_error_naming_the_file(tmp_path):
    lib = library_in(tmp_path)
    (lib / "content/fr" / SLUG / "causes.md").unlink()
    errors = build_errors(lib, tmp_path)
    assert any(e.startswith(f"content/fr/{SLUG}/causes.md: this file is missing") for e in errors), errors
    assert not (tmp_path / "site").exists()


def test_a_language_without_a_catalog_is_an_error(tmp_path):
    lib = library_in(tmp_path)
    i18n.catalog_path(lib / "locales", "fr").unlink()
    errors = build_errors(lib, tmp_path)
    assert any(e.startswith("locales/fr/LC_MESSAGES/messages.po: the language 'fr' has no catalog") for e in errors)


def test_untranslated_fuzzy_and_broken_catalog_entries_are_check_warnings_with_their_line(tmp_path):
    lib = library_in(tmp_path)
    po = write_catalog(lib / "locales", "fr", {"Key points": "Points clés", "Page history": "Historique",
                                               "Back to top": "Haut de page <b>",
                                               "Print the appointment checklist for %(title)s": "Imprimer %(titre)s",
                                               "Appointment checklist: %(title)s": "Liste"},
                       fuzzy=("Page history",))
    found = messages(lib)
    text = po.read_text(encoding="utf-8").splitlines()
    line = {m: next(i for i, t in enumerate(text, 1) if t == f'msgid "{m}"') for m in ("Page history", "Back to top")}
    at = "locales/fr/LC_MESSAGES/messages.po:{}: warning: ".format
    assert any(m.startswith(at(line["Page history"]) + "the translation of 'Page history' is marked fuzzy")
               for m in found), found
    assert any(m.startswith(at(line["Back to top"]) + "the translation of 'Back to top' does not have the same "
                            "HTML tags") for m in found)
    assert any("'On this page' is used by the templates but is not in this catalog" in m for m in found)
    assert any("the translation of 'Print the appointment checklist for %(title)s' does not fit it" in m
               for m in found)
    assert any("the translation of 'Appointment checklist: %(title)s' does not have the same HTML tags and values"
               in m for m in found)


def test_every_message_the_templates_use_is_translated_in_the_spanish_catalog():
    problems = check.Problems(REPO)
    check.translations.catalog_problems(REPO / "locales", REPO / "templates", ["es"], problems)
    assert [str(p) for p in problems.items] == []


def test_no_english_interface_text_is_left_on_a_spanish_page(built_site):
    english = {m for m in check.translations.used_messages(REPO / "templates") if len(m) > 3}
    translated = i18n.translations(REPO / "locales", "es")
    same = {m for m in english if translated.gettext(m) == m}   # words the same in both ("A4")
    pages = [p for p in (built_site / "es").rglob("*.html")]
    assert len(pages) >= 10
    for page in pages:
        text = " ".join(BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text(" ").split())
        left = [m for m in english - same if "%(" not in m and "<" not in m and m in text]
        assert not left, f"{page.relative_to(built_site)} shows English interface text: {left}"


# ------------------------------------------------------------------ editors' mistakes


def test_a_folder_with_site_yaml_and_no_language_code_is_an_error(tmp_path):
    lib = library_in(tmp_path)
    (lib / "content/fr").rename(lib / "content/french")
    errors = build_errors(lib, tmp_path)
    assert any(e.startswith("content/french: this folder has a site.yaml, so it is a language folder, but "
                            "'french' is not a language code") for e in errors), errors


def test_a_library_setting_in_a_languages_site_yaml_is_an_error_at_its_line(tmp_path):
    lib = library_in(tmp_path, site="name: Bibliothèque\ndisclaimer: Avertissement.\nbase_url: https://x.org/\n")
    errors = build_errors(lib, tmp_path)
    assert "content/fr/site.yaml:3: 'base_url' is a setting of the whole library" in " ".join(errors)


def test_a_language_without_its_disclaimer_is_an_error(tmp_path):
    lib = library_in(tmp_path, site="name: Bibliothèque\n")
    assert any(e.startswith("content/fr/site.yaml:1: 'disclaimer' is missing") for e in build_errors(lib, tmp_path))


def test_a_translation_without_its_block_is_an_error_and_one_in_the_main_language_too(tmp_path):
    lib = library_in(tmp_path)
    meta = lib / "content/fr" / SLUG / "condition.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").split("translation:")[0], encoding="utf-8")
    main = lib / "content" / SLUG / "condition.yaml"
    main.write_text(main.read_text(encoding="utf-8") + "translation:\n  source_version: abcdef1\n", encoding="utf-8")
    errors = " ".join(build_errors(lib, tmp_path))
    assert f"content/fr/{SLUG}/condition.yaml:1: 'translation' is missing" in errors
    assert f"content/{SLUG}/condition.yaml:" in errors and "'translation' belongs only in a language folder" in errors


def test_a_bad_source_version_is_an_error_at_its_line(tmp_path):
    lib = library_in(tmp_path)
    meta = lib / "content/fr" / SLUG / "condition.yaml"
    version = re.search(r"source_version: (\w+)", meta.read_text()).group(1)
    replace_in(meta, f"source_version: {version}", "source_version: last week")
    line = next(i for i, t in enumerate(meta.read_text().splitlines(), 1) if "source_version" in t)
    assert any(e.startswith(f"content/fr/{SLUG}/condition.yaml:{line}: 'source_version' must be the version")
               for e in build_errors(lib, tmp_path))


def test_a_translation_of_no_main_language_condition_is_an_error(tmp_path):
    lib = library_in(tmp_path)
    (lib / "content/fr" / SLUG).rename(lib / "content/fr/autre-chose")
    assert any(e.startswith("content/fr/autre-chose: there is no condition 'autre-chose' in the library's main "
                            "language") for e in build_errors(lib, tmp_path))


def test_a_draft_translation_is_left_out_and_no_page_links_to_it(tmp_path):
    lib = library_in(tmp_path)
    meta = lib / "content/fr" / SLUG / "condition.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "status: draft\n", encoding="utf-8")
    site = build(lib, tmp_path)
    assert not (site / "fr" / SLUG).exists() and (site / "fr/index.html").is_file()
    page = soup(site / f"{SLUG}/index.html")
    assert not page.select('link[hreflang="fr"]') and not page.select(".language-help")
    assert f"fr/{SLUG}/" not in (site / "sitemap.xml").read_text()


def test_new_with_a_language_starts_a_draft_translation_made_from_the_current_version(tmp_path):
    lib = copy_tiny_library(tmp_path)
    result = run_cli("new", "--content", str(lib / "content"), "--language", "es", SLUG)
    assert result.returncode == 0, result.stderr
    folder = lib / "content/es" / SLUG
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in (lib / "content" / SLUG).iterdir())
    meta = (folder / "condition.yaml").read_text(encoding="utf-8")
    assert f"source_version: {languages.source_version(lib / 'content' / SLUG)}" in meta
    assert "source_reviewed: 2026-01-10" in meta and "status: draft" in meta
    assert (lib / "content/es/site.yaml").is_file()
    project = pipeline.Project(lib, lib / "content", REPO / "templates", REPO / "static", lib / "site.yaml")

    def empty() -> set[str]:
        return {p.message.split("'")[1] for p in check.run(project, TODAY).problems if "is empty" in p.message}
    assert {"name", "disclaimer"} <= empty()     # the language's settings first: its pages need them
    (lib / "content/es/site.yaml").write_text("name: Biblioteca\ndisclaimer: Aviso.\n", encoding="utf-8")
    assert {"translated_by", "clinical_check", "cultural_check"} <= empty()
    again = run_cli("new", "--content", str(lib / "content"), "--language", "es_ES", SLUG)
    assert again.returncode == 1 and "write the language code 'es_ES' as 'es-ES'" in again.stderr
    none = run_cli("new", "--content", str(lib / "content"), "--language", "es", "no-such-thing")
    assert none.returncode == 1 and "there is no condition 'no-such-thing'" in none.stderr
    assert "Traceback" not in again.stderr + none.stderr


# ------------------------------------------------------------------ a third language, written right to left


def test_a_language_added_by_an_editor_needs_no_code(tmp_path):
    """Any language CLDR knows works as the bundled ones: here Portuguese (Brazil), its code with a region."""
    lib = library_in(tmp_path, code="pt-BR", messages={"Key points": "Pontos principais"})
    page = soup(build(lib, tmp_path) / f"pt-BR/{SLUG}/index.html")
    assert page.html["lang"] == "pt-BR" and page.find(id="key-points").get_text() == "Pontos principais"
    assert page.select_one('.review time[datetime="2026-01-10"]').get_text() == "10 de janeiro de 2026"
    assert [a.get_text() for a in page.select(".language-switcher a")] == ["English", "Português (Brasil)"]


# ------------------------------------------------------------------ the preview


def test_the_preview_rebuilds_a_translation_when_its_file_or_its_main_language_page_changes(tmp_path):
    from healthlib.editor.serve import Preview
    lib = library_in(tmp_path)
    preview = Preview(project_of(lib), tmp_path / "preview")
    assert preview.rebuild().whole
    path = lib / "content/fr" / SLUG / "what-it-is.md"
    replace_in(path, "It is a common skin problem.", "C'est un problème de peau courant.")
    assert preview.scope({path}) == {SLUG}
    outcome = preview.apply({path})
    assert not outcome.whole and f"fr/{SLUG}/index.html" in outcome.changed
    assert "problème de peau" in (tmp_path / "preview" / f"fr/{SLUG}/index.html").read_text(encoding="utf-8")
    assert not (tmp_path / "preview" / f"fr/{SLUG}/index.html").read_text().count("stale-note")
    main = lib / "content" / SLUG / "symptoms.md"
    replace_in(main, "sore", "very sore")
    outcome = preview.apply({main})
    assert f"fr/{SLUG}/index.html" in outcome.changed    # it is stale now: its page says so
    assert "stale-note" in (tmp_path / "preview" / f"fr/{SLUG}/index.html").read_text(encoding="utf-8")
    for whole in (lib / "content/fr/site.yaml", lib / "content/fr/glossary.yaml", lib / "locales/fr/LC_MESSAGES/messages.po"):
        assert preview.scope({whole}) is None
    files = {p.relative_to(tmp_path / "preview").as_posix() for p in (tmp_path / "preview").rglob("*.html")}
    fresh = build(lib, tmp_path / "fresh")
    assert files == {p.relative_to(fresh).as_posix() for p in fresh.rglob("*.html")}


# ------------------------------------------------------------------ search in each language


@pytest.mark.browser
@pytest.mark.parametrize(("path", "query", "first", "said"), [
    ("/es/search/", "calcifilaxis", "/es/calciphylaxis/", "resultado"),
    ("/search/", "calciphylaxis", "/calciphylaxis/", "result"),
], ids=["es", "en"])
def test_each_languages_search_finds_its_own_pages_and_speaks_its_language(browser, site_server, path, query,
                                                                            first, said):
    from browser import open_page
    with open_page(browser, site_server + path) as page:
        page.fill("#search-q", query)
        page.press("#search-q", "Enter")
        page.wait_for_function("() => /\\d/.test(document.querySelector('[data-search-status]').textContent)")
        links = [a.get_attribute("href") for a in page.query_selector_all(".search-result__title a")]
        status = page.inner_text("[data-search-status]")
    assert links and all(link.endswith(first) for link in links), links
    assert said in status and query in status, status


def test_the_search_index_lists_its_languages_in_the_same_order_every_build():
    from healthlib.publish import search
    made = [b'{"version":"1","languages":{"es":{"page_count":1},"en":{"page_count":2}},"x":[]}',
            b'{"version":"1","languages":{"en":{"page_count":2},"es":{"page_count":1}},"x":[]}']
    steady = {search._steady(search.ENTRY, data) for data in made}
    assert steady == {made[1]}     # Pagefind's own format, languages by code
    assert search._steady("other.json", made[0]) == made[0]


def test_a_library_whose_main_language_is_not_english_uses_its_catalog_and_an_english_folder_needs_none(tmp_path):
    lib = copy_tiny_library(tmp_path)
    replace_in(lib / "site.yaml", "language: en", "language: fr")
    assert any("the language 'fr' has no catalog" in e for e in build_errors(lib, tmp_path))
    write_catalog(lib / "locales", "fr", {"Key points": "Points clés"})
    add_language(lib, "en", {})
    i18n.catalog_path(lib / "locales", "en").unlink()
    site = build(lib, tmp_path / "again")
    assert soup(site / f"{SLUG}/index.html").find(id="key-points").get_text() == "Points clés"
    assert soup(site / "en/index.html").html["lang"] == "en"


def test_an_editorial_page_named_like_a_language_folder_is_an_error(tmp_path):
    lib = library_in(tmp_path)
    (lib / "content/_pages/fr.md").write_text("---\ntitle: French\nsummary: A page.\n---\nText.\n", encoding="utf-8")
    assert any(e.startswith("content/_pages/fr.md: the page 'fr' would have the same address as")
               for e in build_errors(lib, tmp_path))


def test_an_edit_to_a_main_language_page_remakes_its_translation_and_no_other(tmp_path, monkeypatch):
    from healthlib.editor.serve import Preview
    from healthlib.publish.render import Renderer
    lib = copy_tiny_library(tmp_path)
    shutil.copytree(lib / "content" / SLUG, lib / "content" / "other-condition")
    replace_in(lib / "content/other-condition/condition.yaml", "title: Sample condition", "title: Other condition")
    add_language(lib, "fr", {"Key points": "Points clés"}, slugs=(SLUG, "other-condition"))
    preview = Preview(project_of(lib), tmp_path / "preview")
    preview.rebuild()
    made = []
    real = Renderer.condition_pages
    monkeypatch.setattr(Renderer, "condition_pages",
                        lambda self, c, *a: made.append(self.place.prefix + c.slug) or real(self, c, *a))
    main = lib / "content" / SLUG / "symptoms.md"
    replace_in(main, "sore", "very sore")
    outcome = preview.apply({main})
    assert sorted(made) == sorted([SLUG, f"fr/{SLUG}"]), made
    assert "stale-note" in (tmp_path / "preview" / f"fr/{SLUG}/index.html").read_text(encoding="utf-8")
    assert "stale-note" not in (tmp_path / "preview" / "fr/other-condition/index.html").read_text(encoding="utf-8")
    assert not outcome.errors
