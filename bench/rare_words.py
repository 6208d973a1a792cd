"""Measure the rare-word threshold of `check` (healthlib/editor/words.py): misses and false alarms
at each Zipf frequency, on the bundled content and on a gout-like test text.

    .venv/bin/python bench/rare_words.py

Bundled content: the page is read with an empty glossary, so every word is judged. A glossary
term (the editors' own judgement that a word needs explaining) is caught when a word of it is
flagged; a flagged word in no glossary term is a false alarm. Test text (tests/fixtures/rare-words/gout.md):
the words listed in EXPECTED should be flagged; any other flagged word is a false alarm.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from healthlib.content.model import SECTION_IDS  # noqa: E402
from healthlib.editor import words  # noqa: E402
from healthlib.pipeline import Project, gather, site_files  # noqa: E402
from healthlib.text.readability import section_blocks  # noqa: E402

GOUT = ROOT / "tests" / "fixtures" / "rare-words" / "gout.md"
# Words of the gout text a reader new to gout needs explained (dialysis: many readers know it,
# but the bundled glossary explains it, so it is counted as needing it).
EXPECTED = {"allopurinol", "colchicine", "uric", "purines", "tophi", "nsaids", "corticosteroids", "dialysis"}
THRESHOLDS = [1.5, 2.0, 2.2, 2.4, 2.5, 2.6, 2.7, 2.75, 2.8, 2.9, 3.0, 3.2, 3.4, 3.6, 3.8]


def bundled_blocks() -> tuple[list[str], dict[str, set[str]], tuple[str, ...]]:
    """(the bundled pages' section blocks, each glossary term's words, the pages' subjects)."""
    gathered = gather(Project.at(ROOT), keep_models=True)
    pages = {path: data for path, data, _ in site_files(gathered)}
    blocks, subjects = [], []
    for condition in gathered.library.conditions:
        found = section_blocks(pages[f"{condition.slug}/index.html"].decode())
        blocks += [b for s in (*SECTION_IDS, "faq") for b in found.get(s, ())]
        subjects += [condition.title, *condition.other_names]
    terms = {t.term: {w.lower() for s in t.spellings for w in re.findall(r"\w+", s)} for t in gathered.library.glossary}
    return blocks, terms, tuple(subjects)


def flagged(blocks: list[str], below: float, subject: tuple[str, ...] = ()) -> set[str]:
    finder = words.Unexplained((), frozenset(), "en", below)
    return {word.lower() for word, _ in finder.first_uses(blocks, subject)}


def main() -> None:
    blocks, terms, subjects = bundled_blocks()
    gout = [p for p in GOUT.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    print("| Zipf below | bundled: glossary terms caught | bundled: false alarms | test text: misses | "
          "test text: false alarms |")
    print("|---|---|---|---|---|")
    in_terms = set().union(*terms.values())
    for below in THRESHOLDS:
        got = flagged(blocks, below, subjects)
        caught = sorted(term for term, parts in terms.items() if parts & got)
        alarms = sorted(got - in_terms)
        text = flagged(gout, below, ("gout",))
        print(f"| {below} | {len(caught)} of {len(terms)}: {', '.join(caught)} | {len(alarms)}: {', '.join(alarms)} | "
              f"{len(EXPECTED - text)}: {', '.join(sorted(EXPECTED - text))} | "
              f"{len(text - EXPECTED)}: {', '.join(sorted(text - EXPECTED))} |")


if __name__ == "__main__":
    main()
