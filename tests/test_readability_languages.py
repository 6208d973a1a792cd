"""Readability that points at the sentence, in the page's language: the hardest sentences of a
section above its target, each at its own line; English, Spanish and unscored languages; the
glossary's meanings scored on their own."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from langkit import write_catalog
import textstat

from contentkit import REPO, copy_tiny_library, line_of, replace_in
from healthlib.editor import check
from healthlib.pipeline import Project
from healthlib.text.readability import formulas, hardest, measure

SLUG = "sample-condition"
TODAY = dt.date(2026, 6, 1)
HARD = ("Idiopathic cutaneous vasculopathy necessitates multidisciplinary evaluation, "
        "histopathological confirmation and individualised pharmacological intervention.")
LESS_HARD = "Doctors sometimes recommend additional investigations, particularly ultrasonography."
SPANISH = ("La gota es una enfermedad que causa dolor en las articulaciones. El dolor empieza de repente. "
           "Suele afectar al dedo gordo del pie.")


@pytest.fixture
def lib(tmp_path) -> Path:
    return copy_tiny_library(tmp_path)


def run(lib: Path) -> check.Report:
    locales = lib / "locales" if (lib / "locales").is_dir() else None    # a test's own catalogs, or the repository's
    project = Project(lib, lib / "content", REPO / "templates", REPO / "static", lib / "site.yaml", locales)
    return check.run(project, TODAY)


def set_language(lib: Path, code: str) -> None:
    replace_in(lib / "site.yaml", "language: en", f"language: {code}")


def warnings_at(report: check.Report, path: str, line: int) -> list[str]:
    return [p.message for p in report.problems if p.path == path and p.line == line]


def hard_sentences_at(report: check.Report, path: str, line: int) -> list[str]:
    return [m for m in warnings_at(report, path, line) if m.startswith("a hard sentence")]


def test_a_hard_section_names_its_hardest_sentence_at_its_own_line_with_grade_words_and_longest_words(lib):
    causes = lib / "content" / SLUG / "causes.md"
    replace_in(causes, "It is not caught from other people.", f"It is not caught from other people.\n\n{HARD}")
    report = run(lib)
    sentence = next(iter(hardest([HARD], "en", 8)))
    line = line_of(causes, "Idiopathic")
    assert line != line_of(causes, "title:")
    [message] = hard_sentences_at(report, f"content/{SLUG}/causes.md", line)
    assert message.startswith('a hard sentence: "Idiopathic cutaneous vasculopathy')
    assert (f"(Flesch–Kincaid grade {sentence.value:.1f}, 12 words; longest words: histopathological, "
            "multidisciplinary, pharmacological)") in message
    assert sentence.value == pytest.approx(textstat.flesch_kincaid_grade(HARD), abs=0.01)


def test_at_most_three_hard_sentences_are_named_and_a_much_lighter_one_is_not(lib):
    treatment = lib / "content" / SLUG / "treatment.md"
    starts = ("Idiopathic", "Secondary", "Primary", "Hereditary")
    extra = "\n".join([*(HARD.replace("Idiopathic", start) for start in starts), LESS_HARD])
    replace_in(treatment, "Your care team will", f"{extra}\nYour care team will")
    named = [p for p in run(lib).problems if p.message.startswith("a hard sentence")]
    assert len(named) == 3 and all(p.line in {line_of(treatment, s) for s in starts} for p in named), named
    assert not any("ultrasonography" in p.message for p in named)
    assert hardest([LESS_HARD], "en", 8)[0].value > 8     # it misses the target too, by less, in fewer words


def test_a_section_within_its_target_names_no_sentence(lib):
    assert not [p for p in run(lib).problems if "hard sentence" in p.message]


def test_spanish_pages_are_scored_with_inflesz_and_fernandez_huerta():
    score = measure([SPANISH], "es")
    textstat.set_lang("es")
    try:
        assert score.szigriszt_pazos == pytest.approx(textstat.szigriszt_pazos(SPANISH), abs=0.01)
        assert score.fernandez_huerta == pytest.approx(textstat.fernandez_huerta(SPANISH), abs=0.01)
    finally:
        textstat.set_lang("en_US")
    assert [f.name for f in formulas("es-MX")] == ["INFLESZ (Szigriszt-Pazos)", "Fernández-Huerta"]


def test_a_spanish_section_below_its_inflesz_target_is_warned_with_the_spanish_formula(lib):
    set_language(lib, "es")
    causes = lib / "content" / SLUG / "causes.md"
    hard = ("La calcifilaxis idiopática constituye una vasculopatía cutánea extraordinariamente infrecuente "
            "caracterizada por calcificaciones arteriolares.")
    replace_in(causes, "It is not caught from other people.", f"\n{hard}")
    report = run(lib)
    score = next(s for s in report.scores if s.section == "causes").score
    own = warnings_at(report, f"content/{SLUG}/causes.md", line_of(causes, "title:"))
    assert f"this section reads at INFLESZ (Szigriszt-Pazos) {score.szigriszt_pazos:.1f}; the target is " \
           f"65 or above. Use shorter sentences and everyday words (a long medical word can go in the glossary)." \
           in own
    assert not any("Flesch" in p.message or "SMOG" in p.message for p in report.problems)
    [sentence] = hard_sentences_at(report, f"content/{SLUG}/causes.md", line_of(causes, "La calcifilaxis"))
    assert "INFLESZ (Szigriszt-Pazos)" in sentence and "extraordinariamente" in sentence


def test_the_inflesz_target_is_a_site_setting(lib):
    set_language(lib, "es")
    (lib / "site.yaml").write_text((lib / "site.yaml").read_text() + "readability:\n  inflesz_target: 100\n")
    causes = next(s for s in run(lib).scores if s.section == "causes").score.szigriszt_pazos
    assert 100 < causes < 125       # the fixture is English: read as Spanish, it has few syllables a word
    (lib / "site.yaml").write_text((lib / "site.yaml").read_text().replace("inflesz_target: 100", "inflesz_target: 125"))
    assert f"this section reads at INFLESZ (Szigriszt-Pazos) {causes:.1f}; the target is 125 or above. " \
           in " ".join(p.message for p in run(lib).problems)


def test_a_language_without_a_formula_gets_one_note_and_never_the_english_grade(lib):
    set_language(lib, "de")
    write_catalog(lib / "locales", "de", {"Key points": "Das Wichtigste"})   # a language needs its catalog
    replace_in(lib / "content" / SLUG / "causes.md", "Nobody knows the cause yet.", HARD)
    report = run(lib)
    assert not any("reads at" in p.message or "hard sentence" in p.message for p in report.problems)
    assert report.notes == ("Readability is not scored for pages in de: there is no formula for that language "
                            "here (there is for en, es). Their word counts are still checked.",)
    table = check.table(report)
    assert f"{SLUG} (not scored: no formula for 'de')" in table and "FK grade" not in table


def test_measuring_spanish_leaves_english_scores_unchanged():
    before = measure([HARD], "en")
    measure([SPANISH], "es")
    assert measure([HARD], "en") == before
    assert textstat.flesch_kincaid_grade(HARD) == pytest.approx(before.fk_grade, abs=0.01)


def test_a_hard_glossary_meaning_is_warned_at_its_own_line(lib):
    glossary = lib / "content" / "glossary.yaml"
    replace_in(glossary, "means: taking a small piece of skin to look at in a lab", f"means: {HARD}")
    report = run(lib)
    assert any(p.path == "content/glossary.yaml" and p.line == line_of(glossary, "Idiopathic")
               and p.message.startswith('a hard sentence: "Idiopathic') for p in report.problems)
    diagnosis = next(s for s in report.scores if s.section == "diagnosis").score
    assert diagnosis.fk_grade < 8     # the page explains 'biopsy' with it, but its grade is not the page's


def test_the_dashboard_shows_a_spanish_page_s_own_formulas_and_no_english_grade(lib):
    from healthlib.editor import dashboard
    set_language(lib, "es")
    locales = lib / "locales" if (lib / "locales").is_dir() else None    # a test's own catalogs, or the repository's
    project = Project(lib, lib / "content", REPO / "templates", REPO / "static", lib / "site.yaml", locales)
    html = dashboard.page(check.run(project, TODAY), project, TODAY, pdfs=False)
    assert "targets INFLESZ (Szigriszt-Pazos) 65 or above, at most 400 words" in html
    assert '<th scope="col">INFLESZ</th><th scope="col">F-Huerta</th>' in html
    assert "FK grade" not in html and "SMOG" not in html


def test_a_hard_sentence_in_a_folded_faq_answer_is_found_at_its_own_line(lib):
    faq = lib / "content" / SLUG / "faq.yaml"
    replace_in(faq, "  answer: It can come back. Keep your skin clean and dry.",
               "  answer: >-\n    It can come back.\n    Keep your skin clean and dry.\n    " + HARD.replace(", ", ",\n    ", 1))
    report = run(lib)
    [message] = hard_sentences_at(report, f"content/{SLUG}/faq.yaml", line_of(faq, "Idiopathic"))
    assert line_of(faq, "Idiopathic") > line_of(faq, "answer: >-") and "Idiopathic cutaneous" in message
