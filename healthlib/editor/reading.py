"""`check`'s readability warnings: a section that misses its language's targets, and the hardest
sentences in it, each at the line of the file it is written on."""
from __future__ import annotations

import re
from pathlib import Path

from ..content.model import Readability
from ..errors import Problems
from ..text.readability import Score, Sentence, formulas, hardest

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
ADVICE = "Use shorter sentences and everyday words (a long medical word can go in the glossary)."


def warn(problems: Problems, path: Path, line: int | None, score: Score, blocks: list[str],
         target: Readability) -> None:
    """Warn where `score` misses a target of its language, naming the hardest sentences of `blocks`."""
    missed = False
    for formula in score.formulas:
        value, limit = formula.value(score), getattr(target, formula.setting)
        if formula.misses(value, limit):
            missed = True
            problems.warn(path, line, f"this section reads at {formula.name} {value:.1f}; the target is "
                          f"{formula.target_words(limit)}. {ADVICE}")
    if missed:
        first = score.formulas[0]
        for sentence in hardest(blocks, score.language, getattr(target, first.setting)):
            problems.warn(path, sentence_line(path, sentence.text) or line, hard_sentence(sentence, first.name))
    if score.words > target.max_words:
        problems.warn(path, line, f"this section has {score.words} words; the limit is "
                      f"{target.max_words}. Cut what the reader does not need, or move "
                      "details to another section.")


def over(score: Score, target: Readability) -> bool:
    """Whether a score misses any target of its language, or the word limit."""
    return score.words > target.max_words or any(
        f.misses(f.value(score), getattr(target, f.setting)) for f in score.formulas)


def hard_sentence(sentence: Sentence, formula: str) -> str:
    text = sentence.text if len(sentence.text) <= 90 else sentence.text[:87].rstrip() + "…"
    return (f"a hard sentence: \"{text}\" ({formula} {sentence.value:.1f}, {sentence.score.words} words; "
            f"longest words: {', '.join(sentence.longest_words)}). Split it into shorter sentences, "
            "or use everyday words.")


def unscored_note(languages: set[str]) -> str | None:
    """One line for pages in languages that have no readability formula here, or None."""
    if not languages:
        return None
    scored = ", ".join(sorted(code for code in ("en", "es") if formulas(code)))
    return (f"Readability is not scored for pages in {', '.join(sorted(languages))}: there is no formula "
            f"for that language here (there is for {scored}). Their word counts are still checked.")


def sentence_line(path: Path, sentence: str) -> int | None:
    """The line of `path` a rendered sentence starts on, found by its first words (Markdown,
    quoting and line breaks may come between them), or None."""
    words = _WORD.findall(sentence)
    if not words:
        return None
    text = _file_text(path)
    for count in (5, 2, 1):
        pattern = r"[^\w]+".join(re.escape(w).replace("’", "['’]") for w in words[:count])
        m = re.search(rf"(?<!\w){pattern}(?!\w)", text)
        if m:
            return text.count("\n", 0, m.start()) + 1
    return None


def _file_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
