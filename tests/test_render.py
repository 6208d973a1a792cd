"""Rendering: every part of the content reaches the page, structured, deterministic, leak-free."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

from contentkit import CONTENT, REPO, add_condition, copy_content, render_library
from healthlib.errors import BuildError
from healthlib.pipeline import Project, build, load
from healthlib.text.markup import explain_terms, plain_text
from healthlib.content.model import GlossaryTerm
from healthlib.publish.render import make_env
from projectkit import make_project


@pytest.fixture(scope="module")
def library():
    return load(Project.at(REPO, CONTENT))[0]


@pytest.fixture(scope="module")
def page(library) -> BeautifulSoup:
    pages = render_library(library)
    return BeautifulSoup(pages["calciphylaxis/index.html"], "html5lib")


def texts(elements) -> list[str]:
    return [" ".join(e.get_text(" ").split()) for e in elements]


def test_condition_page_has_one_h1_landmarks_and_skip_link_first(page, library):
    condition = library.conditions[0]
    assert texts(page.find_all("h1")) == [condition.title]
    for landmark in ("header", "main", "footer"):
        assert len(page.find_all(landmark)) == 1, landmark
    assert page.find("nav", attrs={"aria-label": "Breadcrumb"})
    first_link = page.body.find("a")
    assert first_link["href"] == "#" + page.main["id"] and "skip" in first_link["class"][0]
    assert page.html["lang"] == library.site.language


def test_heading_levels_never_skip(page):
    levels = [int(h.name[1]) for h in page.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels


def test_every_section_appears_in_order_with_contents_links(page, library):
    condition = library.conditions[0]
    section_ids = [s["id"] for s in page.select("main section.section")]
    assert section_ids[: len(condition.sections)] == [s.id for s in condition.sections]
    for section in condition.sections:
        element = page.find(id=section.id)
        assert texts([element.find("h2")]) == [section.title]
        assert page.select_one(f'.contents a[href="#{section.id}"]')
        rendered = " ".join(element.get_text(" ").split())
        for item in section.all_items:
            assert plain_text(item.html) in rendered or plain_text(item.html).split(" ")[0] in rendered


def test_symptoms_are_grouped_under_their_list_headings(page, library):
    symptoms = library.conditions[0].section("symptoms")
    element = page.find(id="symptoms")
    headings = texts(element.find_all("h3"))
    assert headings == [lst.heading for lst in symptoms.lists]
    for lst in symptoms.lists:
        ul = element.find(id=f"symptoms-{lst.id}").find_next_sibling("ul")
        assert len(ul.find_all("li")) == len(lst.items)


def test_care_cards_say_their_urgency_to_screen_readers(page, library):
    section = library.conditions[0].section("when-to-get-help")
    cards = page.select(".care-card")
    assert len(cards) == len(section.cards)
    spoken = {"urgent": "Urgent advice:", "emergency": "Emergency:"}
    for card, model in zip(cards, section.cards):
        assert f"care-card--{model.urgency}" in card["class"]
        heading = card.find(["h3"])
        hidden = heading.select_one(".visually-hidden")
        assert hidden and hidden.get_text().strip() == spoken[model.urgency]
        assert model.heading in heading.get_text()
        assert len(card.find_all("li")) == len(model.items)


def test_faq_is_native_details_with_every_question(page, library):
    faq = library.conditions[0].faq
    summaries = texts(page.select("#faq details > summary"))
    assert summaries == [entry.question for entry in faq]


def test_page_shows_review_dates_sources_disclaimer_and_prep_link(page, library):
    condition = library.conditions[0]
    times = [t["datetime"] for t in page.select(".review > p:first-child time")]
    assert times == [condition.last_reviewed.isoformat(), condition.next_review_due.isoformat()]
    assert [a["href"] for a in page.select(".sources a")] == [s.url for s in condition.sources]
    assert page.select_one(".callout") and library.site.disclaimer in page.select_one(".callout").get_text()
    assert page.select('a[href="appointment-prep/"]')
    key_points = texts(page.select(".summary-box li"))
    assert len(key_points) == len(condition.key_points)


def test_glossary_explains_each_term_once_on_first_use():
    html = "<main><p>Dialysis helps. More dialysis later.</p><h2>Dialysis</h2><p>A biopsy (a small sample).</p></main>"
    glossary = (GlossaryTerm("dialysis", "a treatment that cleans the blood"),
                GlossaryTerm("biopsy", "a small piece of skin"))
    out = explain_terms(html, glossary)
    assert out.count("(a treatment that cleans the blood)") == 1
    assert out.startswith("<main><p><dfn>Dialysis</dfn> (a treatment that cleans the blood) helps.")
    assert "a small piece of skin" not in out  # the editor already explained it in brackets


def test_glossary_text_outside_main_and_in_headings_is_left_alone():
    html = "<title>Dialysis</title><main><h2>Dialysis</h2><a href='x'>dialysis</a></main>"
    assert explain_terms(html, (GlossaryTerm("dialysis", "cleaning"),)) == html


def test_index_lists_every_condition_a_to_z_with_summary(tmp_path):
    content = copy_content(tmp_path)
    add_condition(content, "acne-sample", "Acne sample")
    out = tmp_path / "site"
    build(Project.at(REPO, content), out)
    index = BeautifulSoup((out / "index.html").read_bytes(), "html5lib")
    links = index.select("main .az__list > li:not(.az__see) > a")
    assert [a.get_text() for a in links] == ["Acne sample", "Calciphylaxis"]
    assert [a["href"] for a in links] == ["acne-sample/", "calciphylaxis/"]
    assert all(a.find_next_sibling("p").get_text().strip() for a in links)
    assert (out / "acne-sample" / "index.html").exists()


def _tree_hash(folder) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_builds_of_the_same_content_are_byte_identical(tmp_path):
    runs = []
    for name in ("one", "two"):
        out = tmp_path / name
        subprocess.run([sys.executable, "build.py", "build", "--out", str(out)], cwd=REPO, check=True,
                       capture_output=True)
        runs.append(_tree_hash(out))
    assert runs[0] == runs[1] and len(runs[0]) >= 3


def test_build_py_ends_with_its_output_and_exit_code_and_a_profiler_still_reports(tmp_path):
    """What build.py printed is out when it ends, with its exit code, and a profiler still writes its report."""
    import pstats
    out = tmp_path / "site"
    done = subprocess.run([sys.executable, "build.py", "build", "--no-pdf", "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True)
    last = done.stdout.rstrip().splitlines()[-1]
    assert done.returncode == 0 and last.startswith(f"To look at it, run 'python3 build.py view --out {out}'"), done
    failed = subprocess.run([sys.executable, "build.py", "build", "--content", str(tmp_path / "none"), "--out",
                             str(out)], cwd=REPO, capture_output=True, text=True)
    assert failed.returncode == 1 and "the content folder does not exist" in failed.stderr
    report = tmp_path / "build.prof"
    subprocess.run([sys.executable, "-m", "cProfile", "-o", str(report), "build.py", "build", "--no-pdf", "--out",
                    str(out)], cwd=REPO, check=True, capture_output=True)
    assert pstats.Stats(str(report)).total_calls > 0


def test_undefined_template_variable_is_an_error_naming_template_and_line(tmp_path, library):
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    text = (templates / "index.html").read_text(encoding="utf-8")
    (templates / "index.html").write_text(text.replace("<h1>", "<h1>{{ footer.address }}", 1), encoding="utf-8")
    line = next(i for i, l in enumerate((templates / "index.html").read_text().splitlines(), 1) if "footer" in l)
    with pytest.raises(BuildError) as caught:
        render_library(library, templates)
    problem = caught.value.problems[0]
    assert (problem.path, problem.line) == ("templates/index.html", line)
    assert "footer" in problem.message


@pytest.mark.parametrize("template", ["condition.html", "sheet.html"])
def test_a_conditions_pages_cannot_read_the_other_conditions(tmp_path, template):
    """They are rendered where their condition is loaded, before the library is whole, and cached
    by that condition alone: a template that reads `library` there is an error, not a page made
    from part of it."""
    project = make_project(tmp_path / "project", 3)
    text = (project.templates / template).read_text(encoding="utf-8")
    (project.templates / template).write_text(
        text.replace("<h1", "<p>{{ library.conditions|length }}</p><h1", 1), encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        build(project, tmp_path / "site", pdfs=False)
    problem = caught.value.problems[0]
    assert problem.path == f"templates/{template}" and "'library' is undefined" in problem.message
    assert not (tmp_path / "site").exists()


def test_unrendered_template_text_never_reaches_output(tmp_path, library):
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    text = (templates / "index.html").read_text(encoding="utf-8")
    (templates / "index.html").write_text(text.replace("<h1>", "<h1>{{ '{{' }} site.name }}", 1), encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        render_library(library, templates)
    assert "unrendered template text" in caught.value.problems[0].message


def test_built_site_contains_no_template_syntax_or_footer_keys(built_site):
    for page in sorted(built_site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for leak in ("{{", "{%", "{#", "footer.address", "footer.disclaimer"):
            assert leak not in text, f"{leak} in {page}"


def test_once_gives_a_components_output_and_makes_it_once_per_arguments(tmp_path):
    """once() (render.py) reuses a macro's output for the same arguments, and only for them."""
    (tmp_path / "components.html").write_text('{% macro box(x, n=1) %}<b>{{ x }}{{ n }}</b>{% endmacro %}')
    (tmp_path / "page.html").write_text(
        '{% from "components.html" import box %}{{ once(box, text) }}|{{ once(box, text, n=2) }}|{{ box(text) }}')
    env = make_env(tmp_path)
    page = env.get_template("page.html")
    assert page.render(text="<a>") == "<b>&lt;a&gt;1</b>|<b>&lt;a&gt;2</b>|<b>&lt;a&gt;1</b>"
    assert page.render(text="b") == "<b>b1</b>|<b>b2</b>|<b>b1</b>"
    assert len(env.globals["once"].made) == 4
    page.render(text="b")
    assert len(env.globals["once"].made) == 4
