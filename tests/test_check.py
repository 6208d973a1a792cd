"""`build.py check`: every content problem at once, as `path:line: message`, without writing the site.

Most tests run the check in-process on a copy of a tiny fixture library (tests/fixtures/tiny),
break one thing, and look for the exact message at the exact line. A few run the real command
line to prove exit codes and output formats.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
from pathlib import Path

import pytest
import textstat

from contentkit import REPO, line_of, replace_in, copy_tiny_library
from healthlib.editor import check
from healthlib.content.model import SECTION_IDS
from healthlib.pipeline import Project
from healthlib.text.readability import measure
from sitecopy import run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "tiny"
SLUG = "sample-condition"
TODAY = dt.date(2026, 6, 1)          # between the fixture's review dates


@pytest.fixture
def lib(tmp_path) -> Path:
    return copy_tiny_library(tmp_path)


def cond(lib: Path) -> Path:
    return lib / "content" / SLUG


def run(lib: Path, today: dt.date = TODAY) -> check.Report:
    project = Project(lib, lib / "content", REPO / "templates", REPO / "static", lib / "site.yaml")
    return check.run(project, today)


def lines(report: check.Report, strict: bool = False) -> list[str]:
    return [str(p) for p in report.final(strict)]


def at(lib: Path, file: str, needle: str, full: bool = False) -> str:
    """'content/sample-condition/<file>:<line of needle>:' as check prints it; `full`: with the
    whole path, as the command line prints it for content outside the repository."""
    path = cond(lib) / file if full else f"content/{SLUG}/{file}"
    return f"{path}:{line_of(cond(lib) / file, needle)}:"


def cli_check(lib: Path, *args: str):
    return run_cli("check", "--content", str(lib / "content"), "--today", TODAY.isoformat(), *args)


# ------------------------------------------------------------------ good content


def test_good_fixture_passes_and_prints_a_readability_row_for_every_section(lib):
    result = cli_check(lib)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("  ")]
    heads = [i for i, r in enumerate(rows) if r[0] == "section"]
    assert [r[0] for r in rows[heads[0] + 1:heads[1]]] == [*SECTION_IDS, "faq"]
    assert [r[0] for r in rows[heads[1] + 1:heads[2]]] == ["about", "how-we-write", "privacy", "accessibility",
                                                          "contact"]
    assert [r[0] for r in rows[heads[2] + 1:]] == ["meanings"]
    assert "Check passed: no problems in 1 condition(s)." in result.stderr


def test_check_writes_nothing(lib):
    before = sorted((p.relative_to(lib), p.stat().st_mtime_ns) for p in lib.rglob("*"))
    assert cli_check(lib).returncode == 0
    assert sorted((p.relative_to(lib), p.stat().st_mtime_ns) for p in lib.rglob("*")) == before


# ------------------------------------------------------------------ schema (from load & validate)


def test_schema_problems_are_all_reported_at_once_with_their_lines(lib):
    replace_in(cond(lib) / "condition.yaml", "summary:", "sumary:")
    replace_in(cond(lib) / "condition.yaml", "last_reviewed: 2026-01-10", "last_reviewed: 2026-02-30")
    replace_in(cond(lib) / "faq.yaml", "Will it come back?", "Can I go to work?")
    replace_in(cond(lib) / "causes.md", "title: What causes it", "title: What it is")
    replace_in(cond(lib) / "treatment.md", "title: How it is treated", "title:")
    (cond(lib) / "home-care.md").unlink()
    found = lines(run(lib))
    expected = [
        f"{at(lib, 'condition.yaml', 'sumary:')} unknown setting 'sumary'. Did you mean 'summary'?",
        f"{at(lib, 'condition.yaml', 'last_reviewed')} 'last_reviewed' must be a date like 2027-01-31; "
        "got '2026-02-30'.",
        f"{at(lib, 'causes.md', 'title:')} the heading 'What it is' is also the heading of what-it-is.md.",
        f"{at(lib, 'treatment.md', 'title:')} 'title' is empty. Write the section heading after 'title:'.",
        f"content/{SLUG}/home-care.md: this file is missing",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in found), (start, found)
    second_question = f"content/{SLUG}/faq.yaml:3: the question 'Can I go to work?' is asked twice (first on line 1)"
    assert any(p.startswith(second_question) for p in found), found


def test_missing_key_points_are_an_error(lib):
    text = (cond(lib) / "condition.yaml").read_text()
    start, end = text.index("key_points:"), text.index("last_reviewed:")
    (cond(lib) / "condition.yaml").write_text(text[:start] + text[end:])
    assert f"content/{SLUG}/condition.yaml:1: 'key_points' is missing. Add 'key_points:' with a list of " \
           "short texts." in lines(run(lib))


def test_removed_html_is_reported_where_it_was_written(lib):
    replace_in(cond(lib) / "causes.md", "It is not caught", "<script>alert(1)</script> It is not caught")
    assert f"{at(lib, 'causes.md', '<script>')} <script> is not allowed in content and was removed. " \
           "Write plain text and Markdown only." in lines(run(lib))


def test_glossary_word_without_a_meaning_is_an_error(lib):
    glossary = lib / "content" / "glossary.yaml"
    replace_in(glossary, "  means: a patch of red or itchy skin", "  means:")
    line = glossary.read_text().splitlines().index("  means:") + 1
    assert f"content/glossary.yaml:{line}: 'means' is empty. Write a short plain explanation after 'means:'." \
        in lines(run(lib))


def test_unknown_readability_setting_suggests_the_right_name(lib):
    before = (lib / "site.yaml").read_text()
    (lib / "site.yaml").write_text(before + "readability:\n  target_grad: 6\n")
    assert f"site.yaml:{len(before.splitlines()) + 2}: unknown setting 'target_grad'. Did you mean 'target_grade'?" in lines(run(lib))


# ------------------------------------------------------------------ links


def test_anchor_that_is_not_on_the_page_is_an_error_at_its_line(lib):
    replace_in(cond(lib) / "symptoms.md", "(#home-care)", "(#home-cure)")
    assert f"{at(lib, 'symptoms.md', '#home-cure')} the link '#home-cure' points to '#home-cure', which is " \
           "not on that page. A link to a section uses its file name, e.g. '#symptoms'." in lines(run(lib))


def test_links_to_other_conditions_resolve_and_a_missing_one_is_named(lib):
    shutil.copytree(cond(lib), lib / "content" / "other-condition")
    replace_in(lib / "content" / "other-condition" / "condition.yaml", "title: Sample condition",
               "title: Other condition")
    replace_in(cond(lib) / "causes.md", "yet.", "yet. Compare [the other one](../other-condition/#causes).")
    replace_in(cond(lib) / "treatment.md", "rest.", "rest, as for [a missing one](../no-such-condition/).")
    found = lines(run(lib))
    assert not any("other-condition/#causes" in p for p in found), found
    assert f"{at(lib, 'treatment.md', 'no-such-condition')} the link '../no-such-condition/' leads to a page " \
           "that does not exist. There is no condition 'no-such-condition'. Did you mean ../other-condition/?" \
           in found


def test_links_into_a_condition_that_failed_to_load_are_not_blamed(lib):
    shutil.copytree(cond(lib), lib / "content" / "broken-condition")
    (lib / "content" / "broken-condition" / "faq.yaml").unlink()
    replace_in(cond(lib) / "causes.md", "yet.", "yet. See [this](../broken-condition/).")
    found = lines(run(lib))
    assert any(p.startswith("content/broken-condition/faq.yaml: this file is missing") for p in found)
    assert not any("../broken-condition/" in p for p in found), found


def test_external_links_are_listed_only_with_verbose_and_never_fetched(lib, monkeypatch):
    replace_in(cond(lib) / "causes.md", "yet.", "yet. Read [more](https://example.com/more).")

    def no_network(*args, **kwargs):
        raise AssertionError("check tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    report = run(lib)
    assert check.ExternalLink(f"content/{SLUG}/causes.md", line_of(cond(lib) / "causes.md", "example.com"),
                              "https://example.com/more") in report.external
    assert "example.com" not in "".join(check.as_text(report, strict=False, verbose=False))
    listed = f"{at(lib, 'causes.md', 'example.com')} https://example.com/more"
    assert listed in check.as_text(report, strict=False, verbose=True)[0].splitlines()


# ------------------------------------------------------------------ readability and plain language


def test_list_items_count_as_sentences_even_without_full_stops():
    items = ["Painful red patches", "Hard skin", "A net-like pattern on the skin"]
    assert measure(items).sentences == 3
    assert textstat.sentence_count(" ".join(items)) == 1        # what textstat alone would count


def test_grades_of_plain_prose_match_textstat():
    prose = ("Calcium builds up in the small blood vessels of the skin. This blocks the flow of blood. "
             "The skin then hurts and may break down into deep wounds that are slow to heal.")
    score = measure([prose])
    assert score.fk_grade == pytest.approx(textstat.flesch_kincaid_grade(prose), abs=0.01)
    assert score.smog == pytest.approx(textstat.smog_index(prose), abs=0.01)


def test_readability_is_measured_on_the_rendered_section_without_glossary_meanings(lib):
    report = run(lib)
    page = (cond(lib) / "diagnosis.md").read_text().split("---")[-1]
    diagnosis = next(s for s in report.scores if s.section == "diagnosis")
    heading = "How it is found"
    assert "biopsy" in page      # a glossary word: the page explains it, and the meaning is not counted
    assert diagnosis.score.words == textstat.lexicon_count(f"{heading} {page}")
    meanings = next(s for s in report.scores if s.condition == "glossary")
    glossary = (lib / "content" / "glossary.yaml").read_text()
    assert meanings.score.words == textstat.lexicon_count(" ".join(
        line.split("means:", 1)[1] for line in glossary.splitlines() if "means:" in line))


def test_hard_section_is_a_warning_naming_its_grade(lib):
    hard = ("Idiopathic cutaneous vasculopathy necessitates multidisciplinary evaluation, "
            "histopathological confirmation and individualised pharmacological intervention.")
    replace_in(cond(lib) / "causes.md", "Nobody knows the cause yet.", hard)
    report = run(lib)
    score = next(s for s in report.scores if s.section == "causes").score
    grade, smog = score.fk_grade, score.smog
    assert grade > 8 and smog > 8
    assert f"{at(lib, 'causes.md', 'title:')} warning: this section reads at Flesch–Kincaid grade " \
           f"{grade:.1f}; the target is 8 or below. Use shorter sentences and everyday words (a long medical " \
           "word can go in the glossary)." in lines(report)
    # Both grades are over target: one warning each, both on this section and nowhere else.
    assert sorted(p.message.split(";")[0] for p in report.problems if p.message.startswith("this section")) == [
        f"this section reads at Flesch–Kincaid grade {grade:.1f}",
        f"this section reads at SMOG grade {smog:.1f}",
    ]
    assert {p.path for p in report.problems} == {f"content/{SLUG}/causes.md"}


def test_target_grade_and_word_limit_come_from_site_settings(lib):
    (lib / "site.yaml").write_text((lib / "site.yaml").read_text()
                                   + "readability:\n  target_grade: 1.5\n  max_words: 50\n")
    report = run(lib)
    own = [p for p in report.problems if p.path.startswith(f"content/{SLUG}/")]
    over_grade = {s.section for s in report.scores if s.condition == SLUG and s.score.fk_grade > 1.5}
    warned = {p.path.split("/")[-1] for p in own if "reads at Flesch–Kincaid grade" in p.message}
    assert over_grade and warned == {f"{s}.md" if s != "faq" else "faq.yaml" for s in over_grade}
    assert not any("words; the limit is 50" in p.message for p in own)
    replace_in(cond(lib) / "home-care.md", "Keep the sore clean and dry.", "Keep the sore clean and dry. " * 8)
    report = run(lib)
    words = next(s for s in report.scores if s.section == "home-care").score.words
    assert words > 50
    assert f"{at(lib, 'home-care.md', 'title:')} warning: this section has {words} words; the limit is 50. " \
           "Cut what the reader does not need, or move details to another section." in lines(report)


def test_glossary_word_first_used_in_a_heading_is_a_warning(lib):
    replace_in(cond(lib) / "what-it-is.md", "title: What it is", "title: What the rash is")
    assert f"{at(lib, 'what-it-is.md', 'title:')} warning: 'rash' is a glossary word, but the page first uses " \
           "it in a heading, where the build cannot add its meaning. Use plain words there, or explain the " \
           "word in the text before it." in lines(run(lib))


def test_glossary_word_first_met_inside_another_words_meaning_is_a_warning(lib):
    replace_in(cond(lib) / "what-it-is.md", " A rash may come first.", "")
    replace_in(lib / "content" / "glossary.yaml", "a small piece of skin", "a small piece of a rash")
    glossary_line = line_of(lib / "content" / "glossary.yaml", "piece of a rash")
    assert f"content/glossary.yaml:{glossary_line}: warning: 'rash' is a glossary word, and on the Sample " \
           "condition page it is first met inside the meaning of 'biopsy', where it is not explained. Say it " \
           "in plainer words in that meaning." in lines(run(lib))


def test_glossary_word_explained_in_brackets_by_the_editor_is_fine(lib):
    replace_in(cond(lib) / "what-it-is.md", "A rash may come first.", "A rash (red skin) may come first.")
    assert lines(run(lib)) == []


def test_section_with_no_text_is_a_warning(lib):
    path = cond(lib) / "key-takeaway.md"
    path.write_text(path.read_text().split("---\n")[0] + "---\n" + path.read_text().split("---\n")[1]
                    + "---\n<!-- to write -->\n")
    assert f"{at(lib, 'key-takeaway.md', '<!--')} warning: this section has no text yet. Write a few plain " \
           "sentences under the second '---' line." in lines(run(lib))


# ------------------------------------------------------------------ review dates


def test_page_past_its_review_date_is_a_warning_and_today_can_be_set(lib):
    assert lines(run(lib, today=dt.date(2027, 1, 10))) == []
    assert lines(run(lib, today=dt.date(2027, 1, 11))) == [
        f"{at(lib, 'condition.yaml', 'next_review_due')} warning: this page was due for review on 2027-01-10. "
        "Check its facts and sources, then update 'last_reviewed' and 'next_review_due'."]


def test_last_reviewed_in_the_future_is_a_warning(lib):
    assert [p.message.split(",")[0] for p in run(lib, today=dt.date(2026, 1, 9)).problems] == [
        "'last_reviewed' is 2026-01-10"]


# ------------------------------------------------------------------ strict mode, exit codes, formats


def test_strict_turns_warnings_into_errors_and_fails(lib):
    late = "2027-03-01"
    relaxed = run_cli("check", "--content", str(lib / "content"), "--today", late)
    strict = run_cli("check", "--content", str(lib / "content"), "--today", late, "--strict")
    assert relaxed.returncode == 0 and "warning: this page was due for review" in relaxed.stderr
    assert strict.returncode == 1
    problem = f"{at(lib, 'condition.yaml', 'next_review_due', full=True)} this page was due for review on 2027-01-10."
    assert any(line.startswith(problem) for line in strict.stderr.splitlines()), strict.stderr
    assert "warning:" not in strict.stderr and "Traceback" not in strict.stderr


def test_errors_exit_non_zero_without_a_traceback(lib):
    replace_in(cond(lib) / "faq.yaml", "- question: Can I go to work?", "- question: [Can I go to work?")
    result = cli_check(lib)
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert f"{at(lib, 'faq.yaml', '[Can I', full=True)} this text starts with '['" in result.stderr
    assert "Check failed: 1 error(s)" in result.stderr


def test_json_format_has_problems_grades_links_and_counts(lib):
    replace_in(cond(lib) / "symptoms.md", "(#home-care)", "(#nowhere)")
    result = cli_check(lib, "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["problems"] == [{"path": str(cond(lib) / "symptoms.md"),
                                 "line": line_of(cond(lib) / "symptoms.md", "#nowhere"), "severity": "error",
                                 "message": "the link '#nowhere' points to '#nowhere', which is not on that page. "
                                            "A link to a section uses its file name, e.g. '#symptoms'."}]
    assert [r["section"] for r in data["readability"] if r["condition"] == SLUG] == [*SECTION_IDS, "faq"]
    assert all(set(r) == {"condition", "section", "path", "words", "sentences", "language", "scores"}
               for r in data["readability"])
    assert all(set(r["scores"]) == {"Flesch–Kincaid grade", "SMOG grade"} for r in data["readability"])
    assert data["external_links"][0]["url"] == "https://example.net/source"
    assert data["summary"] == {"conditions": 1, "strict": False, "errors": 1, "warnings": 0}


def test_bundled_content_passes_the_strict_check():
    result = run_cli("check", "--strict", "--today", "2027-01-01")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "calciphylaxis" in result.stdout
