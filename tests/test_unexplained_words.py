"""Unexplained medical words: a word rare in everyday writing in the page's language, with no
glossary entry, no explanation in brackets where it is first used and no place in the library's
accepted words, is a warning at the line it is first written on."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from contentkit import REPO, copy_tiny_library, line_of, replace_in
from healthlib.editor import check, words
from healthlib.pipeline import Project

SLUG = "sample-condition"
TODAY = dt.date(2026, 6, 1)
GOUT = Path(__file__).parent / "fixtures" / "rare-words" / "gout.md"


@pytest.fixture
def lib(tmp_path) -> Path:
    return copy_tiny_library(tmp_path)


def run(lib: Path) -> check.Report:
    project = Project(lib, lib / "content", REPO / "templates", REPO / "static", lib / "site.yaml")
    return check.run(project, TODAY)


def rare(report: check.Report) -> dict[str, tuple[str, int]]:
    """{word: (path, line)} of every unexplained-word warning."""
    return {p.message.split("'")[1]: (p.path, p.line) for p in report.problems
            if "is a rare word in everyday writing" in p.message}


def add_to_treatment(lib: Path, text: str) -> Path:
    path = lib / "content" / SLUG / "treatment.md"
    replace_in(path, "Your care team will", f"{text}\n\nYour care team will")
    return path


def test_a_rare_word_with_no_explanation_is_warned_at_the_line_it_is_first_written(lib):
    path = add_to_treatment(lib, "Most people take medicine.\nAllopurinol lowers uric acid over time.")
    report = run(lib)
    assert rare(report) == {"Allopurinol": (f"content/{SLUG}/treatment.md", line_of(path, "Allopurinol")),
                            "uric": (f"content/{SLUG}/treatment.md", line_of(path, "Allopurinol"))}
    message = next(p.message for p in report.problems if p.message.startswith("'Allopurinol'"))
    assert message == ("'Allopurinol' is a rare word in everyday writing (wordfreq: 1.9), and the page does not "
                       "explain it. Explain it in brackets where it is first used, add it to the glossary, or, "
                       "if your readers know it, add it to content/words.yaml.")


def test_a_rare_word_explained_in_brackets_where_first_used_is_not_warned(lib):
    path = add_to_treatment(lib, "Hard lumps can form. Tophi (hard lumps of crystals) can hurt. "
                                 "Medicine lowers a waste product in the blood (uric acid).")
    assert rare(run(lib)) == {}
    replace_in(path, "Tophi (hard lumps of crystals)", "Tophi")
    replace_in(path, "blood (uric acid)", "blood, uric acid")
    assert set(rare(run(lib))) == {"Tophi", "uric"}


def test_a_word_explained_only_after_its_first_use_is_warned_at_the_first_use(lib):
    path = add_to_treatment(lib, "Some people get tophi.\n\nTophi (hard lumps of crystals) can hurt.")
    assert rare(run(lib)) == {"tophi": (f"content/{SLUG}/treatment.md", line_of(path, "Some people get tophi"))}


def test_a_glossary_term_is_not_warned_about(lib):
    add_to_treatment(lib, "Colchicine eases the pain.")
    assert "Colchicine" in rare(run(lib))
    glossary = lib / "content" / "glossary.yaml"
    glossary.write_text(glossary.read_text() + "- term: colchicine\n  means: a medicine for gout pain\n")
    assert rare(run(lib)) == {}


def test_an_accepted_word_and_its_plural_are_not_warned_about(lib):
    add_to_treatment(lib, "Avoid foods high in purines. Colchicine eases the pain.")
    (lib / "content" / "words.yaml").write_text("# Our readers all know these.\n- purine\n- colchicine\n")
    assert rare(run(lib)) == {}


def test_a_malformed_accepted_words_file_is_an_error_at_its_line(lib):
    (lib / "content" / "words.yaml").write_text("- purine\n- two words\n")
    assert "content/words.yaml:2: item 2 must be one word (letters only), like '- checkup'." in \
        [str(p) for p in run(lib).problems]


def test_a_rare_word_in_a_glossary_meaning_is_warned_at_the_meaning(lib):
    glossary = lib / "content" / "glossary.yaml"
    replace_in(glossary, "means: a patch of red or itchy skin", "means: an erythematous patch of skin")
    assert rare(run(lib)) == {"erythematous": ("content/glossary.yaml", line_of(glossary, "erythematous"))}


def test_the_page_s_own_subject_is_not_warned_about(lib):
    add_to_treatment(lib, "Podagra can come back.")
    assert "Podagra" in rare(run(lib))
    replace_in(lib / "content" / SLUG / "condition.yaml", "title: Sample condition", "title: Podagra")
    assert rare(run(lib)) == {}


def test_spanish_pages_are_judged_by_spanish_word_frequencies(lib):
    replace_in(lib / "site.yaml", "language: en", "language: es")
    path = add_to_treatment(lib, "La hinchazón baja con reposo. Los tofos pueden doler.")
    assert words.zipf("hinchazón", "en") < words.rare_below("es") < words.zipf("hinchazón", "es")
    found = rare(run(lib))
    assert "hinchazón" not in found and found["tofos"] == (f"content/{SLUG}/treatment.md", line_of(path, "tofos"))


def test_a_language_without_a_word_list_gets_one_note_and_never_english_frequencies(lib):
    replace_in(lib / "site.yaml", "language: en", "language: cy")
    add_to_treatment(lib, "Allopurinol lowers uric acid.")
    report = run(lib)
    assert not words.has_word_list("cy") and rare(report) == {}
    assert ("Unexplained words are not checked for pages in cy: there is no word list for that language here."
            in report.notes)


def test_a_language_written_without_spaces_is_not_split_into_false_words(lib):
    replace_in(lib / "site.yaml", "language: en", "language: ja")
    add_to_treatment(lib, "痛風は関節の病気です。")
    report = run(lib)
    assert rare(report) == {} and any(n.startswith("Unexplained words are not checked for pages in ja") for n in report.notes)


def test_the_threshold_flags_the_gout_text_s_medical_words_and_none_of_its_everyday_ones():
    assert words.zipf("tophi", "en") < words.zipf("allopurinol", "en") < words.rare_below("en")
    assert words.rare_below("en") < words.zipf("dialysis", "en") < words.zipf("swelling", "en")
    blocks = [p for p in GOUT.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    found = {w.lower() for w, _ in words.Unexplained((), frozenset(), "en").first_uses(blocks, ("gout",))}
    assert found == {"uric", "colchicine", "nsaids", "allopurinol", "corticosteroids", "tophi", "purines"}


def test_spanish_verb_forms_and_pronouns_are_judged_by_their_verb():
    for form, verb in (("curen", "curar"), ("afectarle", "afectar"), ("muévase", "mueva"), ("alivian", "aliviar"),
                       ("recetaron", "recetar")):
        assert verb in words.forms(form, "es")
        assert words.zipf(form, "es") >= words.zipf(verb, "es")
    assert words.zipf("curen", "es") > words.rare_below("es") > words.zipf("colchicina", "es")


def test_the_spanish_threshold_flags_the_gota_text_s_medical_words_and_none_of_its_everyday_ones():
    blocks = [p for p in (GOUT.parent / "gota.md").read_text(encoding="utf-8").split("\n\n") if p.strip()]
    found = {w.lower() for w, _ in words.Unexplained((), frozenset(), "es").first_uses(blocks, ("gota",))}
    assert found == {"úrico", "colchicina", "antiinflamatorios", "alopurinol", "corticoides", "tofos", "purinas"}
