"""Unexplained words: a word that is rare in everyday writing in the page's language, met on a
page with no explanation. It is explained when it is a glossary term (the page adds its meaning),
when the editor explained it in brackets where it is first used ('tophi (hard lumps)' or 'hard
lumps (tophi)'), or when it is the page's own subject (its title or other names). Words readers
of the library know anyway go in the accepted words file (docs/content-format.md, "Words").

Rarity is wordfreq's Zipf frequency (log10 of uses per billion words, offline; 3.1.1). The
threshold was measured on the bundled content and a test text (bench/rare_words.py,
docs/content-format.md): allopurinol 1.9, uric 2.6 and tophi 1.1 are under it; checkup 2.9,
redness 3.0, dialysis 3.3 and swelling 3.7 are over it.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from ..content.sources import parse_yaml, read_text
from ..errors import Problems
from ..text.markup import already_explained
from ..text.readability import language

# Below this Zipf frequency a word is rare, per language (measured: bench/rare_words.py); a
# language not measured uses the English one.
RARE_BELOW = {"en": 2.75, "es": 2.57}
WORDS_FILE = "words.yaml"
# (ending, what replaces it) tried on a word, per language: a plural, a past or a verb form with a
# pronoun is as common as its stem ('clots', 'nourished'; 'curen' as 'curar', 'afectarle' as
# 'afectar'). A language not listed is judged by the word as written.
_ES_VERBS = (("aron", "ar"), ("ieron", "er"), ("ieron", "ir"), ("an", "ar"), ("en", "ar"), ("en", "er"), ("en", "ir"),
             ("e", "ar"), ("a", "ar"), ("ó", "ar"), ("ado", "ar"), ("ada", "ar"))
_ES_PRONOUNS = tuple((p, "") for p in ("la", "las", "lo", "los", "le", "les", "se", "me", "te", "nos"))
ENDINGS = {"en": tuple((end, "") for end in ("s", "es", "ed", "d", "ing", "ly")),
           "es": (("s", ""), ("es", ""), *_ES_PRONOUNS, *_ES_VERBS)}
# Languages whose stress accent moves when an ending is added ('muévase' is 'mueva' + 'se').
_MOVING_ACCENT = {"es"}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@functools.lru_cache(maxsize=1)
def _languages() -> frozenset[str]:
    import wordfreq
    return frozenset(wordfreq.available_languages())


# Written without spaces between words: this check cannot split them (wordfreq would need MeCab or jieba).
_UNSPACED = frozenset({"zh", "ja"})


def has_word_list(code: str) -> bool:
    return language(code) in _languages() - _UNSPACED


def forms(word: str, code: str) -> list[str]:
    """`word` (lower case) and its stems in the language."""
    lang = language(code)
    stems = [word[:-len(end)] + new for end, new in ENDINGS.get(lang, ())
             if word.endswith(end) and len(word) - len(end) >= (3 if new else 4)]
    if lang in _MOVING_ACCENT:
        stems += [unicodedata.normalize("NFC", unicodedata.normalize("NFD", s).replace("\u0301", "")) for s in stems]
    return [word, *stems]


def rare_below(code: str) -> float:
    return RARE_BELOW.get(language(code), RARE_BELOW["en"])


@functools.lru_cache(maxsize=65536)
def zipf(word: str, code: str) -> float:
    """How common `word` is in everyday writing in the language (a Zipf frequency), judged by
    the word and by its stems."""
    from wordfreq import zipf_frequency
    return max(zipf_frequency(form, language(code)) for form in forms(word, code))


def accepted(content: Path, problems: Problems) -> frozenset[str]:
    """The words readers of this library know (lower case): `words.yaml` in the content folder of
    the pages' language (content/, or a language folder such as content/es/)."""
    path = content / WORDS_FILE
    return frozenset(_read_words(path, content, problems)) if path.is_file() else frozenset()


def _read_words(path: Path, content: Path, problems: Problems) -> set[str]:
    text = read_text(path, content, problems)
    doc = parse_yaml(text, path, problems) if text is not None else None
    if doc is None or doc.data is None:
        return set()
    if not isinstance(doc.data, list):
        problems.error(path, 1, "the accepted words must be a list, one word a line, each starting with '- '.")
        return set()
    words = set()
    for i, item in enumerate(doc.data):
        if not isinstance(item, str) or not _WORD.fullmatch(item.strip()):
            problems.error(path, doc.line(i), f"item {i + 1} must be one word (letters only), like '- checkup'.")
        else:
            words.add(item.strip().lower())
    return words


class Unexplained:
    """Finds the first unexplained use of each rare word in a page's text blocks."""

    def __init__(self, glossary, known: frozenset[str], code: str, below: float | None = None):
        spellings = sorted({s for term in glossary for s in term.spellings}, key=len, reverse=True)
        self.terms = re.compile(r"\b(?:" + "|".join(map(re.escape, spellings)) + r")\b", re.IGNORECASE) \
            if spellings else None
        self.known, self.code, self.below = known, code, rare_below(code) if below is None else below

    def first_uses(self, blocks, subject: tuple[str, ...] = ()) -> list[tuple[str, int]]:
        """(word as written, index of the block it is first met in) for each rare word first met
        unexplained; `blocks` in page order; `subject`: the page's title and other names."""
        rare = {word for word in set(_WORD.findall("\n".join(blocks).lower().replace("’", "'")))
                if len(word) > 2 and zipf(word, self.code) < self.below and self.known.isdisjoint(forms(word, self.code))}
        if not rare:     # most pages: no block needs a closer look
            return []
        names = re.compile(r"\b(?:" + "|".join(map(re.escape, subject)) + r")\b", re.IGNORECASE) if subject else None
        out, seen = [], set()
        for index, block in enumerate(blocks):
            lower = block.lower().replace("’", "'")
            if not any(word in lower for word in rare - seen):
                continue
            text = self.terms.sub(" ", block) if self.terms else block    # glossary terms are explained
            text = (names.sub(" ", text) if names else text).replace("’", "'")
            for m in _WORD.finditer(text):
                word = m.group(0).lower()
                if word in rare and word not in seen:
                    seen.add(word)
                    if not already_explained(text, m):
                        out.append((m.group(0), index))
        return out


def message(word: str, code: str, words_file: str = f"content/{WORDS_FILE}") -> str:
    """`words_file`: the accepted words file of the page's language, as the editor finds it."""
    return (f"'{word}' is a rare word in everyday writing (wordfreq: {zipf(word.lower(), code):.1f}), and the "
            "page does not explain it. Explain it in brackets where it is first used, add it to the "
            f"glossary, or, if your readers know it, add it to {words_file}.")


def no_word_list_note(languages: set[str]) -> str | None:
    if not languages:
        return None
    return (f"Unexplained words are not checked for pages in {', '.join(sorted(languages))}: there is no "
            "word list for that language here.")
