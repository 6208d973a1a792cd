"""The load & validate stage: content files -> typed model, with located problems."""
from __future__ import annotations

import datetime as dt

import pytest

from contentkit import CONTENT, REPO, add_condition, copy_content, line_of, replace_in
from healthlib.errors import BuildError
from healthlib.pipeline import Project
from healthlib.pipeline import load as load_project
from healthlib.content.model import SECTION_IDS, Condition


def load(content):
    project = Project(content.parent, content, REPO / "templates", REPO / "static", REPO / "site.yaml")
    return load_project(project)[0]


def problems_of(content) -> list[str]:
    with pytest.raises(BuildError) as caught:
        load(content)
    return [str(p) for p in caught.value.problems]


def test_bundled_content_loads_into_typed_model_with_sections_in_page_order():
    library = load(CONTENT)
    condition = library.conditions[0]
    assert isinstance(condition, Condition)
    assert condition.slug == "calciphylaxis"
    assert tuple(s.id for s in condition.sections) == SECTION_IDS
    assert isinstance(condition.last_reviewed, dt.date) and condition.next_review_due > condition.last_reviewed
    assert 3 <= len(condition.key_points) <= 5
    assert len(condition.faq) == 5 and all(q.question.endswith("?") for q in condition.faq)
    assert condition.section("symptoms").list("early") and condition.section("symptoms").list("later")
    assert {c.urgency for c in condition.section("when-to-get-help").cards} == {"urgent", "emergency"}
    assert condition.section("appointment").list("bring") and condition.section("appointment").list("questions")
    assert library.glossary and all(t.means for t in library.glossary)


def test_conditions_are_sorted_a_to_z_by_title(tmp_path):
    content = copy_content(tmp_path)
    add_condition(content, "acne-sample", "Acne sample")
    add_condition(content, "zoster-sample", "Zoster sample")
    titles = [c.title for c in load(content).conditions]
    assert titles == sorted(titles, key=str.lower) and titles[0] == "Acne sample"


def test_missing_section_file_is_named_with_how_to_fix(tmp_path):
    content = copy_content(tmp_path)
    (content / "calciphylaxis" / "diagnosis.md").unlink()
    problems = problems_of(content)
    assert any(p.startswith("content/calciphylaxis/diagnosis.md: this file is missing") and "Create it" in p
               for p in problems), problems


def test_all_problems_are_reported_together_with_file_and_line(tmp_path):
    content = copy_content(tmp_path)
    meta = content / "calciphylaxis" / "condition.yaml"
    replace_in(meta, "last_reviewed: 2026-11-26", "last_reviewed: someday")
    symptoms = content / "calciphylaxis" / "symptoms.md"
    replace_in(symptoms, "title:", "titel:")
    problems = problems_of(content)
    assert f"content/calciphylaxis/condition.yaml:{line_of(meta, 'last_reviewed')}: 'last_reviewed' must be a date " \
           "like 2027-01-31; got 'someday'." in problems
    assert any(p.startswith(f"content/calciphylaxis/symptoms.md:{line_of(symptoms, 'titel:')}: unknown setting "
                            "'titel'. Did you mean 'title'?") for p in problems), problems


def test_key_points_count_is_enforced(tmp_path):
    content = copy_content(tmp_path)
    meta = content / "calciphylaxis" / "condition.yaml"
    text = meta.read_text(encoding="utf-8")
    start = text.index("key_points:")
    end = text.index("last_reviewed:")
    meta.write_text(text[:start] + "key_points:\n  - Only one point.\n" + text[end:], encoding="utf-8")
    problems = problems_of(content)
    assert f"content/calciphylaxis/condition.yaml:{line_of(meta, 'key_points')}: 'key_points' must have 3 to 5 " \
           "items; it has 1." in problems


def test_text_where_a_list_is_expected_is_a_located_error(tmp_path):
    content = copy_content(tmp_path)
    meta = content / "calciphylaxis" / "condition.yaml"
    replace_in(meta, "other_names:\n  - Calcific uremic arteriolopathy", "other_names: Calcific uremic arteriolopathy")
    problems = problems_of(content)
    assert any(p.startswith(f"content/calciphylaxis/condition.yaml:{line_of(meta, 'other_names')}: 'other_names' "
                            "must be a list") for p in problems), problems


def test_required_appointment_lists_and_one_card_per_care_level_are_enforced(tmp_path):
    content = copy_content(tmp_path)
    replace_in(content / "calciphylaxis" / "appointment.md", "id: bring", "id: things")
    replace_in(content / "calciphylaxis" / "when-to-get-help.md", "urgency: emergency", "urgency: urgent")
    problems = "\n".join(problems_of(content))
    assert "appointment.md" in problems and "needs a list with 'id: bring'" in problems
    assert "there are two 'urgent' cards" in problems


def test_when_to_get_help_needs_at_least_one_care_card(tmp_path):
    content = copy_content(tmp_path)
    path = content / "calciphylaxis" / "when-to-get-help.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("cards:")] + text[text.index("closing:"):], encoding="utf-8")
    problems = problems_of(content)
    assert any(p.startswith("content/calciphylaxis/when-to-get-help.md:") and "'cards' is missing" in p
               for p in problems), problems


def test_placeholder_text_in_content_is_refused_at_its_line(tmp_path):
    content = copy_content(tmp_path)
    path = content / "calciphylaxis" / "key-takeaway.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nCall us at {{ footer.address }}.\n", encoding="utf-8")
    problems = problems_of(content)
    assert any(p.startswith(f"content/calciphylaxis/key-takeaway.md:{line_of(path, 'footer.address')}:")
               and "placeholder" in p for p in problems), problems


def test_folder_name_that_is_not_a_url_slug_is_refused(tmp_path):
    content = copy_content(tmp_path)
    (content / "calciphylaxis").rename(content / "Calciphylaxis Page")
    problems = problems_of(content)
    assert any("'Calciphylaxis Page' cannot be a web address" in p and "calciphylaxis-page" in p for p in problems)
