"""What `check` finds in one run, and how it says it: every mistake of a condition at once, and
YAML and Markdown mistakes in plain words with the fix, at the line the editor wrote them on.

The files are real content files read by the loader (or the real command line); each test asserts
the path, the line and the fix.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from contentkit import REPO, copy_tiny_library, line_of, replace_in
from healthlib.editor import check
from healthlib.pipeline import Project
from sitecopy import run_cli

SLUG = "sample-condition"
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def lib(tmp_path) -> Path:
    return copy_tiny_library(tmp_path)


def problems(lib: Path) -> list[str]:
    project = Project(lib, lib / "content", REPO / "templates", REPO / "static", lib / "site.yaml")
    return [str(p) for p in check.run(project, TODAY).problems]


def problem_at(found: list[str], path: Path, line: int) -> str:
    """The one problem reported at path:line (content/... as check prints it)."""
    where = f"{path.relative_to(path.parents[2]).as_posix()}:{line}: "
    hits = [p for p in found if p.startswith(where)]
    assert len(hits) == 1, (where, found)
    return hits[0][len(where):]


def lines_in(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ every problem in one run

SEVEN = {   # file: (text to find, what to put instead, a word of the message), one kind of mistake each
    "condition.yaml": ("title: Gout", "title: Gout\ntitel: Gout", "Did you mean 'title'?"),
    "faq.yaml": ("  answer: Yes. Most", "  answer: [Some people say: yes. Most", "starts with '['"),
    "symptoms.md": ("The first sign", "# Big heading\n\nThe first sign", "write '### Big heading'"),
    "causes.md": ("It is not caught", "It <script>alert(1)</script>is not caught", "<script> is not allowed"),
    "treatment.md": ("Your care team", "See [the other one](../sample-conditon/). Your care team",
                     "Did you mean ../sample-condition/?"),
    "diagnosis.md": ("title: How it is found", "title: How it is found: tests", "has ': ' in it"),
    "home-care.md": ("title: What you can do at home", "title: What you can do\nat home", "write 'title: >-'"),
}


def test_a_condition_with_seven_kinds_of_mistakes_gets_all_seven_in_one_check(lib):
    gout = lib / "content" / "gout"
    shutil.copytree(lib / "content" / SLUG, gout)
    replace_in(gout / "condition.yaml", "title: Sample condition", "title: Gout")
    for name, (old, new, _) in SEVEN.items():
        replace_in(gout / name, old, new)
    result = run_cli("check", "--content", str(lib / "content"), "--today", TODAY.isoformat())
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith(str(lib)) and ": warning: " not in line]
    expected_lines = {"condition.yaml": "titel", "faq.yaml": "[Some", "symptoms.md": "# Big",
                      "causes.md": "<script>", "treatment.md": "sample-conditon", "diagnosis.md": "title:",
                      "home-care.md": "at home"}
    for name, (_, _, words) in SEVEN.items():
        where = f"{gout / name}:{line_of(gout / name, expected_lines[name])}: "
        assert any(e.startswith(where) and words in e for e in errors), (where, words, result.stderr)
    assert len(errors) == 7, result.stderr
    assert "Check failed: 7 error(s) in 1 condition(s) that loaded." in result.stderr


def test_the_pages_of_a_library_with_a_broken_condition_are_still_linked_without_false_errors(lib):
    replace_in(lib / "content" / SLUG / "causes.md", "title: What causes it", "title: What: causes it")
    other = lib / "content" / "other-condition"
    shutil.copytree(lib / "content" / SLUG, other)
    replace_in(other / "condition.yaml", "title: Sample condition", "title: Other condition")
    replace_in(other / "causes.md", "title: What: causes it", "title: What causes it")
    found = problems(lib)
    assert [p for p in found if "(from the templates)" in p] == []
    assert len([p for p in found if "warning" not in p]) == 1, found


def test_a_condition_that_lists_related_ones_is_still_linked_when_another_has_errors(lib):
    other = lib / "content" / "other-condition"
    shutil.copytree(lib / "content" / SLUG, other)
    replace_in(other / "condition.yaml", "title: Sample condition", "title: Other condition\nrelated:\n  - gout")
    gout = lib / "content" / "gout"
    shutil.copytree(lib / "content" / SLUG, gout)
    replace_in(gout / "condition.yaml", "title: Sample condition", "title: Gout")
    replace_in(lib / "content" / SLUG / "causes.md", "title: What causes it", "title: What: causes it")
    found = problems(lib)
    assert [p for p in found if "warning" not in p] == [p for p in found if "has ': ' in it" in p], found


def test_the_text_under_settings_that_cannot_be_read_is_still_checked(lib):
    path = lib / "content" / SLUG / "causes.md"
    replace_in(path, "title: What causes it", "title: What: causes it")
    replace_in(path, "It is not caught", "It <iframe>is</iframe> not caught")
    found = problems(lib)
    assert "has ': ' in it" in problem_at(found, path, 2)
    assert problem_at(found, path, line_of(path, "<iframe>")).startswith("<iframe> is not allowed")


def test_a_link_from_a_condition_that_did_not_load_is_checked_against_the_conditions_that_exist(lib):
    shutil.copytree(lib / "content" / SLUG, lib / "content" / "gout")
    replace_in(lib / "content" / "gout" / "condition.yaml", "title: Sample condition", "title: Gout")
    replace_in(lib / "content" / SLUG / "condition.yaml", "title: Sample condition", "title: Sample\ntitel: x")
    path = lib / "content" / SLUG / "treatment.md"
    replace_in(path, "Your care team", "See [kidney stones](../kidney-stones/) and [gout](../gout/). Your care team")
    found = problems(lib)
    message = problem_at(found, path, line_of(path, "kidney-stones"))
    assert message == ("the link '../kidney-stones/' leads to a page that does not exist. There is no "
                       "condition 'kidney-stones'. The conditions are: ../gout/.")
    assert not any("'../gout/'" in p for p in found)


def test_a_link_to_a_misspelt_condition_names_the_nearest_ones(lib):
    for slug in ("kidney-stones", "kidney-failure", "gout"):
        shutil.copytree(lib / "content" / SLUG, lib / "content" / slug)
        replace_in(lib / "content" / slug / "condition.yaml", "title: Sample condition", f"title: {slug.title()}")
    path = lib / "content" / SLUG / "treatment.md"
    replace_in(path, "Your care team", "See [stones](../kidney-stone/). Your care team")
    message = problem_at(problems(lib), path, line_of(path, "kidney-stone/"))
    assert message.endswith("There is no condition 'kidney-stone'. Did you mean ../kidney-stones/ or "
                            "../kidney-failure/?")


# ------------------------------------------------------------------ YAML in plain words

def faq_with(lib: Path, answer_lines: str) -> Path:
    return write(lib / "content" / SLUG / "faq.yaml",
                 "- question: Can I go to work?\n  answer: Yes.\n- question: Will it come back?\n" + answer_lines)


def test_text_starting_with_a_bracket_at_the_end_of_the_file_points_at_the_bracket_not_past_the_end(lib):
    path = faq_with(lib, "  answer: [Some people say: yes\n")
    found = problems(lib)
    message = problem_at(found, path, 4)
    assert 4 <= lines_in(path) and "this text starts with '['" in message
    assert message.endswith("For example: answer: \"[Some people say: yes\"")
    assert not any("stream end" in p for p in found)


def test_text_starting_with_a_brace_says_to_quote_it(lib):
    path = lib / "content" / SLUG / "causes.md"
    replace_in(path, "title: What causes it", "title: {Causes} and more")
    assert "starts with '{', which YAML reads as the start of a group of settings. Put the whole text in " \
           "double quotes" in problem_at(problems(lib), path, 2)


def test_multi_line_text_without_the_folding_sign_says_to_write_it(lib):
    path = faq_with(lib, "  answer: It can come back.\n  Keep your skin clean.\n")
    message = problem_at(problems(lib), path, 5)
    assert message.startswith("this line continues the text of 'answer' on line 4")
    assert "write 'answer: >-' and put the text on the lines below it" in message


def test_a_colon_and_space_inside_text_says_to_quote_the_text(lib):
    path = lib / "content" / SLUG / "condition.yaml"
    replace_in(path, "title: Sample condition", "title: Sample condition: the basics")
    message = problem_at(problems(lib), path, 1)
    assert "has ': ' in it" in message and 'For example: title: "Sample condition: the basics"' in message


def test_text_ending_in_a_colon_is_not_told_about_colon_space(lib):
    path = lib / "content" / SLUG / "symptoms.md"
    replace_in(path, "title: Signs to watch for", "title: Signs to watch for:")
    message = problem_at(problems(lib), path, 2)
    assert message.startswith("this text ends in ':'") and "Remove the ':' at the end" in message
    assert "': '" not in message


def test_an_unclosed_quote_points_at_the_line_it_opens(lib):
    path = lib / "content" / SLUG / "condition.yaml"
    replace_in(path, "title: Sample condition", 'title: "Sample condition')
    message = problem_at(problems(lib), path, 1)
    assert message.startswith('the quote " that starts the text on this line is never closed')


def test_bad_indentation_names_both_lines(lib):
    path = lib / "content" / SLUG / "symptoms.md"
    replace_in(path, "    heading: Early signs", "     heading: Early signs")
    message = problem_at(problems(lib), path, line_of(path, "heading: Early"))
    assert message.startswith(f"this line starts after 5 space(s), the setting on line "
                              f"{line_of(path, '- id: early')} after 4")


@pytest.mark.parametrize("ending", ["  answer: [Some people say: yes\n", '  answer: "It can come back.\n',
                                    "  answer: It can come back.\n  Keep it clean.\n", "  answer: {yes\n\n\n"])
def test_a_yaml_error_never_points_past_the_end_of_the_file(lib, ending):
    path = faq_with(lib, ending)
    found = [p for p in problems(lib) if p.startswith("content/")]
    assert found and all(int(p.split(":")[1]) <= lines_in(path) for p in found), found


def symptoms_items(lib: Path, items: str) -> Path:
    path = lib / "content" / SLUG / "symptoms.md"
    replace_in(path, "      - A sore patch of skin\n", items)
    return path


def test_a_list_item_starting_with_a_bracket_shows_the_item_quoted(lib):
    path = symptoms_items(lib, "      - [Early] a sore patch\n")
    message = problem_at(problems(lib), path, line_of(path, "[Early]"))
    assert message.startswith("this text starts with '['") and message.endswith('For example: - "[Early] a sore patch"')


def test_a_list_item_on_two_lines_says_to_indent_or_join_it(lib):
    path = symptoms_items(lib, "      - A sore patch\n      of skin\n")
    assert problem_at(problems(lib), path, line_of(path, "of skin")) == (
        f"this line continues the list item on line {line_of(path, 'A sore patch')}, but YAML reads it as a new "
        "setting. Write the item on one line, or indent this line two spaces more than the '- '.")


@pytest.mark.parametrize("start", ["@", "`", "*"])
def test_text_starting_with_a_sign_yaml_keeps_says_to_quote_it(lib, start):
    path = lib / "content" / SLUG / "condition.yaml"
    replace_in(path, "title: Sample condition", f"title: {start}Sample condition")
    assert problem_at(problems(lib), path, 1) == (
        f"this text starts with '{start}', which YAML keeps for itself. Put the whole text in double quotes, "
        f"or start it with a word. For example: title: \"{start}Sample condition\"")


def test_text_on_the_same_line_as_the_folding_sign_says_to_move_it_down(lib):
    path = lib / "content" / SLUG / "condition.yaml"
    replace_in(path, "summary: A sample", "summary: >- A sample")
    assert problem_at(problems(lib), path, line_of(path, "summary:")).startswith(
        "after '>-' the text must start on the next line.")


BROKEN_ENDINGS = ["[", "{", "'", '"', "[a, b", "{a: b", ">- x", "| x", "@x", "*x", "`x", '"a" b', "a: b: c",
                  "a:\n b", "- [x\n-", "x\n  y: z\n w", "\"x\n\n\n", "[\n\n\n"]


def test_yaml_explanations_never_raise_and_never_point_past_the_end(tmp_path):
    from healthlib.content.sources import parse_yaml
    from healthlib.errors import Problems
    for ending in BROKEN_ENDINGS:
        for text in (f"title: {ending}\n", f"items:\n  - {ending}", f"- question: Q?\n  answer: {ending}\n\n"):
            found = Problems()
            parse_yaml(text, tmp_path / "f.yaml", found)
            assert all(p.line is None or 1 <= p.line <= max(1, len(text.rstrip("\n").split("\n")))
                       for p in found.items), (text, found.items)


# ------------------------------------------------------------------ Markdown headings

def test_a_level_one_heading_is_reported_on_its_own_line_with_the_level_to_use(lib):
    path = lib / "content" / SLUG / "causes.md"
    replace_in(path, "It is not caught", "It is rare.\n\n\n# Big heading\n\nIt is not caught")
    found = problems(lib)
    message = problem_at(found, path, line_of(path, "# Big heading"))
    assert message.startswith("'# Big heading' is a level-1 heading") and "write '### Big heading'" in message
    assert not any("<h1>" in p for p in found)


def test_an_underlined_heading_is_reported_on_the_line_of_its_text(lib):
    path = lib / "content" / SLUG / "causes.md"
    replace_in(path, "It is not caught", "\n\nSection title\n=============\n\nIt is not caught")
    message = problem_at(problems(lib), path, line_of(path, "Section title"))
    assert "level-1 heading" in message and "write '### Section title'" in message
