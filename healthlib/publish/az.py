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


def sort_key(alphabet: tuple[str, ...]):
    """The order of names in the alphabet's language: letter by letter in the alphabet's order
    ('ñ' after 'n' when the alphabet has 'Ñ'); a letter with an accent the alphabet does not list
    goes with its plain letter ('á' with 'a'), after it when the names are otherwise the same;
    spaces and punctuation before letters; letters of other scripts after."""
    letters = sorted(((letter.casefold(), i) for i, letter in enumerate(alphabet)), key=lambda p: -len(p[0]))
    position = dict(letters)
    longest = max((len(letter) for letter in position), default=1)

    def key(name: str) -> tuple:
        text, primary, secondary, at = unicodedata.normalize("NFC", name).casefold(), [], [], 0
        while at < len(text):
            size = next((n for n in range(min(longest, len(text) - at), 0, -1) if text[at:at + n] in position), 0)
            if size:
                primary.append((1, position[text[at:at + size]]))
                secondary.append("")
                at += size
                continue
            char, base = text[at], _base(text[at])
            if base in position:
                primary.append((1, position[base]))
            else:
                primary.append((2 if char.isalpha() else 0, ord(base[:1] or char)))
            secondary.append(char)
            at += 1
        return tuple(primary), tuple(secondary)
    return key


def az_index(conditions: tuple[Condition, ...], alphabet: tuple[str, ...]) -> list[Letter]:
    """Every letter of the alphabet (some with no entries), then any other first characters."""
    entries = [Entry(c.title, c) for c in conditions]
    entries += [Entry(name, c, see=True) for c in conditions for name in c.other_names]
    groups: dict[str, list[Entry]] = {letter: [] for letter in alphabet}
    order = sort_key(alphabet)
    for entry in sorted(entries, key=lambda e: (order(e.name), e.see, e.condition.slug)):
        groups.setdefault(letter_of(entry.name, alphabet), []).append(entry)
    others = sorted(letter for letter in groups if letter not in alphabet)
    return [Letter(letter, _anchor(letter), tuple(groups[letter])) for letter in (*alphabet, *others)]


def _anchor(letter: str) -> str:
    """'letter-a'; a letter outside ASCII by its code points ('Ñ' -> 'letter-u00d1'), so every
    address is plain and no two letters share one."""
    if letter.isascii() and letter.isalnum():
        return f"letter-{letter.lower()}"
    return "letter-" + "-".join(f"u{ord(c):04x}" for c in letter)
