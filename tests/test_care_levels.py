"""Care levels: defined once for the library (site.yaml `care_levels`, or the defaults), each
with its label, screen-reader text and style in the NHS care-card pattern; a condition's cards
use the levels that apply to it (at least one), and its sheet shows the highest."""
from __future__ import annotations

import shutil

import pytest
from bs4 import BeautifulSoup

from browser import format_violations, open_page, run_axe
from contentkit import CONTENT, REPO, line_of, render_library, replace_in
from goutkit import GOUT, SLUG, cli, gout_project
import statichost

from healthlib.content.load import load_site
from healthlib.content.model import CARE_LEVELS
from healthlib.errors import Problems
from healthlib.pipeline import Project, build, load

GOUT_LEVELS = {"soon": ("care-card--non-urgent", "See a GP or doctor soon", "Non-urgent advice: "),
               "same-day": ("care-card--urgent", "Urgent: same day", "Urgent advice, get help today: ")}


def _library(root=GOUT):
    return load(Project(root, root / "content", REPO / "templates", REPO / "static", root / "site.yaml"))[0]


def _soup(files, path) -> BeautifulSoup:
    return BeautifulSoup(files[path].decode("utf-8"), "html.parser")


def test_each_card_shows_its_levels_label_screen_reader_text_and_style_from_site_yaml():
    library = _library()
    page = _soup(render_library(library), f"{SLUG}/index.html")
    cards = page.select("#when-to-get-help .care-card")
    assert [c.select_one(".care-card__label").get_text() for c in cards] == [v[1] for v in GOUT_LEVELS.values()]
    for card, (style, label, hidden) in zip(cards, GOUT_LEVELS.values()):
        assert style in card["class"]
        assert card.select_one(".care-card__label")["aria-hidden"] == "true"
        assert card.select_one("h3 .visually-hidden").get_text() == hidden


def test_the_default_levels_keep_the_bundled_cards_labels_and_styles():
    assert [(level.id, level.label, level.style) for level in CARE_LEVELS][1:] == [
        ("urgent", "Urgent advice", "urgent"), ("emergency", "Emergency", "emergency")]
    library = load(Project.at(REPO))[0]
    page = _soup(render_library(library), "calciphylaxis/index.html")
    assert [c.select_one(".care-card__label").get_text() for c in page.select(".care-card")] == [
        "Urgent advice", "Emergency"]


@pytest.mark.parametrize("drop, shown", [(None, "same-day"), ("same-day", "soon")])
def test_the_sheet_shows_the_highest_care_level_the_condition_uses(tmp_path, drop, shown):
    root = tmp_path / "lib"
    shutil.copytree(GOUT, root)
    if drop:
        path = root / "content" / SLUG / "when-to-get-help.md"
        text = path.read_text(encoding="utf-8")
        path.write_text(text[:text.index(f"  - urgency: {drop}")] + text[text.index("---\nTell"):], encoding="utf-8")
    library = _library(root)
    sheet = _soup(render_library(library), f"{SLUG}/appointment-prep/index.html")
    [card] = sheet.select(".care-card")
    style, label, hidden = GOUT_LEVELS[shown]
    assert style in card["class"] and card.select_one(".care-card__label").get_text() == label


def test_check_names_the_card_line_and_the_librarys_levels_when_a_card_uses_an_undefined_level(tmp_path):
    root = gout_project(tmp_path / "project")
    shutil.copytree(CONTENT / "calciphylaxis", root / "content" / "calciphylaxis")   # written for the defaults
    gout_help = root / "content" / SLUG / "when-to-get-help.md"
    replace_in(gout_help, "urgency: same-day", "urgency: sameday")
    done = cli(root, "check", "--no-pdf")
    assert done.returncode == 1
    calci = root / "content" / "calciphylaxis" / "when-to-get-help.md"
    levels = "(soon, same-day, emergency, from site.yaml 'care_levels')"
    assert (f"content/calciphylaxis/when-to-get-help.md:{line_of(calci, 'urgency: urgent')}: 'urgency: urgent' is "
            f"not one of this library's care levels {levels}.") in done.stderr
    assert (f"content/{SLUG}/when-to-get-help.md:{line_of(gout_help, 'urgency: sameday')}: 'urgency: sameday' is "
            f"not one of this library's care levels {levels}. Did you mean 'same-day'? Rename it,") in done.stderr


def test_care_levels_in_site_yaml_are_checked_where_they_are_written(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text("name: A\nbase_url: https://example.org/\ncare_levels:\n"
                    "  - id: soon\n    label: Soon\n    style: calm\n"
                    "  - id: now\n    label: Now\n    style: emergency\n"
                    "  - id: now\n    label: Again\n    style: urgent\n"
                    "  - id: later\n    style: urgent\n", encoding="utf-8")
    problems = Problems(tmp_path)
    levels = load_site(site, problems).care_levels
    said = [str(p) for p in problems.items]
    assert any(p.startswith("site.yaml:6:") and "'style' must be one of: non-urgent, urgent, emergency" in p
               for p in said), said
    assert any(p.startswith("site.yaml:10:") and "'now' is defined twice" in p for p in said), said
    assert any("'label' is missing" in p for p in said), said
    assert [level.id for level in levels] == ["now"]


@pytest.fixture(scope="module")
def gout_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("gout")
    out = root / "site"
    build(Project(GOUT, GOUT / "content", REPO / "templates", REPO / "static", GOUT / "site.yaml"), out, pdfs=False,
          cache_dir=root / "cache")
    with statichost.serve(out) as base:
        yield base


@pytest.mark.browser
@pytest.mark.parametrize("media", ["screen", "print"])
def test_cards_differ_by_visible_label_and_border_shape_not_by_colour_alone(browser, gout_site, media):
    with open_page(browser, f"{gout_site}{SLUG}/", viewport={"width": 360, "height": 800}) as page:
        page.emulate_media(media=media)
        cards = page.eval_on_selector_all("#when-to-get-help .care-card", """cards => cards.map(c => {
            const s = getComputedStyle(c), label = c.querySelector('.care-card__label');
            return {label: label.innerText, shown: label.getBoundingClientRect().height > 0,
                    shape: [s.borderTopWidth, s.borderLeftWidth, s.borderTopStyle]};
        })""")
        assert [c["label"].lower() for c in cards] == [v[1].lower() for v in GOUT_LEVELS.values()]
        assert all(c["shown"] for c in cards)
        assert cards[0]["shape"] != cards[1]["shape"], cards
        if media == "screen":
            violations = run_axe(page)
            assert not violations, format_violations(violations)
