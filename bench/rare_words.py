"""Measure the rare-word threshold of `check` (healthlib/editor/words.py): misses and false alarms
at each Zipf frequency, on a library's condition pages and on a gout test text, per language.

    .venv/bin/python bench/rare_words.py                                  # English: bundled content
    .venv/bin/python bench/rare_words.py --language es --content DIR      # Spanish: a Spanish library

Library: the pages are read with an empty glossary, so every word is judged. A glossary term (the
editors' own judgement that a word needs explaining) is caught when a word of it is flagged; a
flagged word in no glossary term is a false alarm. Test text (tests/fixtures/rare-words/): the
words in EXPECTED should be flagged; any other flagged word is a false alarm.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from healthlib.content.model import SECTION_IDS  # noqa: E402
from healthlib.editor import words  # noqa: E402
from healthlib.pipeline import Project, gather, site_files  # noqa: E402
from healthlib.text.readability import section_blocks  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "rare-words"
# Per language: the test text, its subject, and the words a reader new to gout needs explained
# (dialysis: many readers know it, but the bundled glossary explains it, so it is counted).
TEXTS = {
    "en": ("gout.md", "gout", {"allopurinol", "colchicine", "uric", "purines", "tophi", "nsaids",
                               "corticosteroids", "dialysis"}),
    "es": ("gota.md", "gota", {"alopurinol", "colchicina", "úrico", "purinas", "tofos", "antiinflamatorios",
                               "corticoides", "diálisis"}),
}
THRESHOLDS = [1.5, 2.0, 2.2, 2.4, 2.5, 2.55, 2.57, 2.6, 2.7, 2.75, 2.8, 2.9, 3.0, 3.2, 3.4, 3.6]


def library_blocks(content: Path) -> tuple[list[str], dict[str, set[str]], tuple[str, ...]]:
    """(a library's condition pages' section blocks, each glossary term's words, the pages' subjects)."""
    site = content / "site.yaml" if (content / "site.yaml").is_file() else ROOT / "site.yaml"
    project = Project(ROOT, content, ROOT / "templates", ROOT / "static", site)
    gathered = gather(project, keep_models=True)
    pages = {path: data for path, data, _ in site_files(gathered)}
    blocks, subjects = [], []
    for condition in gathered.library.conditions:
        page = next(p for p in pages if p.endswith(f"{condition.slug}/index.html"))
        found = section_blocks(pages[page].decode())
        blocks += [b for s in (*SECTION_IDS, "faq") for b in found.get(s, ())]
        subjects += [condition.title, *condition.other_names]
    terms = {t.term: {w.lower() for s in t.spellings for w in re.findall(r"\w+", s)} for t in gathered.library.glossary}
    return blocks, terms, tuple(subjects)


def flagged(blocks: list[str], below: float, lang: str, subject: tuple[str, ...] = ()) -> set[str]:
    finder = words.Unexplained((), frozenset(), lang, below)
    return {word.lower() for word, _ in finder.first_uses(blocks, subject)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--language", default="en", choices=sorted(TEXTS))
    ap.add_argument("--content", type=Path, default=ROOT / "content", help="the library to measure on")
    args = ap.parse_args()
    lang, (text_file, subject, expected) = args.language, TEXTS[args.language]
    blocks, terms, subjects = library_blocks(args.content)
    gout = [p for p in (FIXTURES / text_file).read_text(encoding="utf-8").split("\n\n") if p.strip()]
    print(f"| Zipf below ({lang}) | library: glossary terms caught | library: false alarms | test text: misses | "
          "test text: false alarms |")
    print("|---|---|---|---|---|")
    in_terms = set().union(*terms.values())
    for below in THRESHOLDS:
        got = flagged(blocks, below, lang, subjects)
        caught = sorted(term for term, parts in terms.items() if parts & got)
        alarms = sorted(got - in_terms)
        text = flagged(gout, below, lang, (subject,))
        print(f"| {below} | {len(caught)} of {len(terms)}: {', '.join(caught)} | {len(alarms)}: {', '.join(alarms)} | "
              f"{len(expected - text)}: {', '.join(sorted(expected - text))} | "
              f"{len(text - expected)}: {', '.join(sorted(text - expected))} |")


if __name__ == "__main__":
    main()
