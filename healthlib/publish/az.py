"""The A-Z index: every condition and every other name it is known by, under the letter it
starts with, in the order of the site's alphabet (site.yaml `alphabet:`)."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..content.model import Condition


@dataclass(frozen=True)
class Entry:
    name: str                  # what the reader looks for: a title or another name
    condition: Condition
    see: bool = False          # `name` is another name: the entry points to condition.title

    @property
    def order(self) -> tuple:
        return self.name.casefold(), self.see, self.condition.slug


@dataclass(frozen=True)
class Letter:
    letter: str
    id: str                    # the heading's id, which the letter row links to
    entries: tuple[Entry, ...]


def _base(text: str) -> str:
    """`text` without accents ('É' -> 'E'), so names file under the alphabet's plain letter when
    the alphabet has no letter of their own."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def letter_of(name: str, alphabet: tuple[str, ...]) -> str:
    """The alphabet's letter `name` starts with: the longest that matches ('Ll' before 'L'), with
    accents, then without; a name starting with anything else files under its first character."""
    folded = unicodedata.normalize("NFC", name).casefold()   # 'N' + combining tilde is 'Ñ' too
    by_length = sorted(alphabet, key=len, reverse=True)
    for text in (folded, _base(folded)):
        for letter in by_length:
            if text.startswith(letter.casefold()):
                return letter
    return name[:1].upper()


def az_index(conditions: tuple[Condition, ...], alphabet: tuple[str, ...]) -> list[Letter]:
    """Every letter of the alphabet (some with no entries), then any other first characters."""
    entries = [Entry(c.title, c) for c in conditions]
    entries += [Entry(name, c, see=True) for c in conditions for name in c.other_names]
    groups: dict[str, list[Entry]] = {letter: [] for letter in alphabet}
    for entry in sorted(entries, key=lambda e: e.order):
        groups.setdefault(letter_of(entry.name, alphabet), []).append(entry)
    others = sorted(letter for letter in groups if letter not in alphabet)
    return [Letter(letter, _anchor(letter), tuple(groups[letter])) for letter in (*alphabet, *others)]


def _anchor(letter: str) -> str:
    """'letter-a'; a letter outside ASCII by its code points ('Ñ' -> 'letter-u00d1'), so every
    address is plain and no two letters share one."""
    if letter.isascii() and letter.isalnum():
        return f"letter-{letter.lower()}"
    return "letter-" + "-".join(f"u{ord(c):04x}" for c in letter)
