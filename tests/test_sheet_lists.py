"""Which lists become the appointment sheet's checklists, and how: each list's `sheet:` setting
(since-when, checkbox or no), with defaults from its section that keep the sheet as it was."""
from __future__ import annotations

import shutil

import pytest
from bs4 import BeautifulSoup

from contentkit import REPO, copy_content, line_of, render_library, replace_in
from goutkit import GOUT, SLUG

from healthlib.errors import BuildError
from healthlib.pipeline import Project, load


def _sheet(content, slug, site=REPO / "site.yaml") -> BeautifulSoup:
    library = load(Project(content.parent, content, REPO / "templates", REPO / "static", site))[0]
    files = render_library(library)
    return BeautifulSoup(files[f"{slug}/appointment-prep/index.html"].decode("utf-8"), "html.parser")


def _groups(sheet) -> dict[str, list[tuple[str, bool]]]:
    """Each checklist's legend -> its items, each with whether it asks "Since when?"."""
    return {fs.legend.get_text(" ", strip=True): [(li.label.get_text(), li.select_one(".checklist__since") is not None)
                                                  for li in fs.select(".checklist__item")]
            for fs in sheet.select("fieldset.checklist")}


def test_writing_the_default_sheet_settings_out_changes_nothing_on_the_sheet(tmp_path):
    content = copy_content(tmp_path)
    before = _sheet(content, "calciphylaxis")
    folder = content / "calciphylaxis"
    for file, list_id, mode in [("symptoms.md", "early", "since-when"), ("symptoms.md", "later", "since-when"),
                                ("risk-factors.md", "main", "checkbox"), ("risk-factors.md", "other", "checkbox"),
                                ("appointment.md", "bring", "checkbox"), ("appointment.md", "questions", "checkbox")]:
        replace_in(folder / file, f"- id: {list_id}\n", f"- id: {list_id}\n    sheet: {mode}\n")
    assert str(_sheet(content, "calciphylaxis")) == str(before)
    groups = _groups(before)
    assert list(groups) == ["What to bring", "Symptoms I have noticed", "Things that may apply to me",
                            "Questions I want to ask"]
    assert all(since for _, since in groups["Symptoms I have noticed"])
    assert not any(since for _, since in groups["Things that may apply to me"])


def test_a_list_of_plain_checkboxes_asks_no_since_when_beside_a_list_that_does(tmp_path):
    content = copy_content(tmp_path)
    replace_in(content / "calciphylaxis" / "symptoms.md", "- id: later\n", "- id: later\n    sheet: checkbox\n")
    groups = _groups(_sheet(content, "calciphylaxis"))["Symptoms I have noticed"]
    assert [since for _, since in groups] == [True] * 4 + [False] * 5


def test_a_list_marked_sheet_no_is_left_off_the_sheet(tmp_path):
    content = copy_content(tmp_path)
    replace_in(content / "calciphylaxis" / "risk-factors.md", "- id: other\n", "- id: other\n    sheet: no\n")
    risks = [label for label, _ in _groups(_sheet(content, "calciphylaxis"))["Things that may apply to me"]]
    assert "Having low albumin" not in risks and "Kidney failure that needs dialysis" in risks


def test_a_list_of_another_section_on_the_sheet_is_a_checklist_under_its_own_heading():
    groups = _groups(_sheet(GOUT / "content", SLUG, GOUT / "site.yaml"))
    assert list(groups) == ["What to bring", "Symptoms I have noticed", "Things that may apply to me",
                            "Tests I have had", "Questions I want to ask"]
    assert [label for label, _ in groups["Tests I have had"]][0].startswith("A sample of fluid")
    assert not any(since for items in groups.values() for _, since in items)


@pytest.mark.parametrize("setting, said", [("sheet: maybe", "'sheet' must be one of: since-when, checkbox, no"),
                                           ("sheet: yes", "'sheet' must say how the list goes on the appointment"),
                                           ("type: thearpy", "Did you mean 'therapy'?")])
def test_a_wrong_sheet_or_type_setting_is_an_error_at_its_line_with_the_choices(tmp_path, setting, said):
    content = copy_content(tmp_path)
    path = content / "calciphylaxis" / "treatment.md"
    text = path.read_text(encoding="utf-8")
    list_line = next(line for line in text.splitlines() if line.lstrip().startswith("- id:"))
    replace_in(path, list_line + "\n", f"{list_line}\n    {setting}\n")
    with pytest.raises(BuildError) as caught:
        load(Project(content.parent, content, REPO / "templates", REPO / "static", REPO / "site.yaml"))
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"content/calciphylaxis/treatment.md:{line_of(path, setting)}:") and said in p
               for p in problems), problems
