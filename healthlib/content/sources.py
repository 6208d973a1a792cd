"""Reading content files safely: size, encoding, symlinks, YAML with line numbers, front matter.

Nothing here knows what a condition is; it turns bytes into plain Python values plus a map
from each value's position (a tuple of keys and indexes) to its line in the file, so that the
validator can say exactly where a problem is.
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import Problems
from . import yaml_help

# A condition's section is a few kilobytes; anything near this size is a mistake (a pasted
# file, a binary) and would slow every build. Documented in docs/content-format.md.
MAX_FILE_BYTES = 1_000_000

# Only the plain YAML types; anything else (!!python/object, custom tags) is refused.
_ALLOWED_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"


@dataclass
class Doc:
    """A parsed YAML document: its data and the line of every value in it."""

    path: Path
    data: object
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, *key) -> int | None:
        """Line of the value at `key`, or of its nearest parent that has one."""
        key = tuple(key)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), 1)

    @functools.cached_property
    def scalars(self) -> tuple[tuple[int, str], ...]:
        """Every value with its line, as 'name: value' inside a group of settings, in file order:
        where checks find what an editor wrote."""
        out: list[tuple[int, str]] = []

        def walk(value, key: tuple) -> None:
            if isinstance(value, dict):
                for name, item in value.items():
                    walk(item, (*key, name))
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    walk(item, (*key, i))
            else:
                named = f"{key[-1]}: " if key and isinstance(key[-1], str) else ""
                out.append((self.line(*key) or 1, named + ("" if value is None else str(value))))
        walk(self.data, ())
        return tuple(sorted(out, key=lambda piece: piece[0]))


def read_text(path: Path, root: Path, problems: Problems) -> str | None:
    """The file's text with a BOM dropped and line endings made \\n, or None after reporting why not."""
    real = path if _is_plain_file_inside(path, root) else _resolved_inside(path, root, problems)
    if real is None:
        return None
    size = real.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.error(path, None, f"this file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}. "
                       "Split it up or remove what does not belong in it.")
        return None
    raw = real.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.error(path, line, "this file is not saved as UTF-8 text (byte "
                       f"0x{raw[exc.start]:02x} cannot be read). Save it as UTF-8 in your editor.")
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _INVISIBLE.search(text)
    if bad is None and ("\\u" in text or "\\U" in text or "&#" in text):
        bad = _WRITTEN_BIDI.search(text)
    if bad:
        problems.error(path, text.count("\n", 0, bad.start()) + 1, _invisible_problem(bad))
        return None
    return text


def _invisible_problem(bad: re.Match) -> str:
    written = bad.group()
    if len(written) == 1 and ord(written) not in _BIDI:
        return ("this line has an invisible control character "
                f"(U+{ord(written):04X}). Delete it; retyping the line is the easiest way.")
    if len(written) == 1:
        code, shown = ord(written), ","
    else:
        yaml_hex, html_hex, html_decimal = bad.groups()
        code, shown = int(html_decimal) if html_decimal else int(yaml_hex or html_hex, 16), f", written as '{written}',"
    return (f"this line has the text-direction control U+{code:04X} {unicodedata.name(chr(code))}{shown} "
            "which shows words in another order than screen readers and search engines read them. "
            "Delete it; for right-to-left words use the isolates U+2066 to U+2069 or the marks "
            "U+200E and U+200F instead.")


def _resolved_inside(path: Path, root: Path, problems: Problems) -> Path | None:
    """Where `path` really is, when that is a plain file inside `root`; None after saying why not."""
    try:
        real = path.resolve(strict=True)
        real.relative_to(root.resolve())
    except ValueError:
        problems.error(path, None, f"this file links to {path.resolve()}, outside the content folder. "
                       "Copy the file into the content folder instead of linking to it.")
        return None
    except OSError as exc:
        problems.error(path, None, f"cannot read this file ({exc.strerror}).")
        return None
    if not real.is_file():   # a folder, a pipe or a device: reading it fails or never ends
        problems.error(path, None, "this is not a plain file. Replace it with a text file.")
        return None
    return real


def _is_plain_file_inside(path: Path, root: Path) -> bool:
    """Whether `path` is a plain file reached from `root` by plain names, none of them a link: then
    it is inside root without resolving it (an lstat a name instead of realpath's walk from /,
    an eighth of a cold build's CPU)."""
    path_text, root_text = os.fspath(path), os.fspath(root)
    prefix = root_text if root_text.endswith(os.sep) else root_text + os.sep
    if not path_text.startswith(prefix):
        return False
    at, info = prefix, None
    for name in path_text[len(prefix):].split(os.sep):
        if name in ("", ".", ".."):
            return False
        at += name
        try:
            info = os.lstat(at)
        except OSError:
            return False
        if stat.S_ISLNK(info.st_mode):
            return False
        at += os.sep
    return info is not None and stat.S_ISREG(info.st_mode)


# Characters YAML refuses (controls, non-characters), and line separators that editors often do
# not show and that YAML would count as line breaks (so every line number after them would be off).
# Also the embedding and override controls U+202A to U+202E ("Trojan Source": text shown in
# another order than it is read); _WRITTEN_BIDI finds them as YAML escapes or HTML references.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\ufffe\uffff]")
_BIDI = range(0x202A, 0x202F)
_WRITTEN_BIDI = re.compile(r"\\(?:u|U0000)(202[a-eA-E])|&#[xX]0*(202[a-eA-E]);?|&#0*(823[4-8]);?")


# libyaml (C) composes YAML many times faster than pure Python. Its composer recurses in C and
# crashes the process near 100,000 levels, so it only reads text too short to nest that deep.
_C_MAX_CHARS = 10_000
_CLoader = getattr(yaml, "CSafeLoader", None)
_STR_TAG = "tag:yaml.org,2002:str"


def _compose(text: str, path: Path, problems: Problems, line_offset: int):
    """(loader, node) of one YAML document, or None after reporting why it cannot be read. Text
    libyaml refuses is read again by the pure-Python loader, whose messages are the ones shown."""
    if _CLoader is not None and len(text) <= _C_MAX_CHARS:
        loader = _CLoader(text)
        try:
            return loader, loader.get_single_node()
        except yaml.YAMLError:
            pass
        finally:
            loader.dispose()
    loader = yaml.SafeLoader(text)
    try:
        return loader, loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        problems.error(path, *yaml_help.explain(text, exc, line_offset))
    except yaml.YAMLError as exc:
        problems.error(path, None, f"YAML error: {exc}")
    except RecursionError:
        problems.error(path, _too_deep_line(text, line_offset), "this YAML is nested too deeply. Simplify it.")
    finally:
        loader.dispose()
    return None


def parse_yaml(text: str, path: Path, problems: Problems, line_offset: int = 0) -> Doc | None:
    """Parse one YAML document into plain values, refusing tags, aliases and duplicate keys."""
    composed = _compose(text, path, problems, line_offset)
    if composed is None:
        return None
    doc = Doc(path, None)
    if composed[1] is None:
        return doc
    items_before = len(problems.items)
    try:
        doc.data = _Converter(composed[0], doc, problems, line_offset).convert(composed[1], ())
    except _Stop:
        return None
    if any(p.is_error for p in problems.items[items_before:]):
        return None
    return doc


class _Stop(Exception):
    pass


class _Converter:
    """YAML nodes to plain values, recording each value's line in the Doc."""

    def __init__(self, loader, doc: Doc, problems: Problems, line_offset: int):
        self.loader, self.doc, self.problems, self.offset = loader, doc, problems, line_offset
        self.seen: set[int] = set()

    def error(self, line: int, message: str) -> None:
        self.problems.error(self.doc.path, line, message)

    def convert(self, n: yaml.Node, key: tuple):
        line = n.start_mark.line + 1 + self.offset
        self.doc.lines.setdefault(key, line)
        if len(key) > _MAX_DEPTH:
            self.error(line, "this YAML is nested too deeply. Simplify it.")
            raise _Stop
        if id(n) in self.seen:   # an alias re-uses a node; refusing them stops "billion laughs" too
            self.error(line, "YAML anchors and aliases (&name, *name) are not allowed. Write the text out in full.")
            raise _Stop
        self.seen.add(id(n))
        if isinstance(n, yaml.MappingNode):
            return self.mapping(n, key, line) if n.tag == _MAP_TAG else self.bad_tag(n, line)
        if isinstance(n, yaml.SequenceNode):
            return [self.convert(item, (*key, i)) for i, item in enumerate(n.value)] if n.tag == _SEQ_TAG \
                else self.bad_tag(n, line)
        return self.scalar(n, line)

    def mapping(self, n: yaml.MappingNode, key: tuple, line: int) -> dict:
        out: dict = {}
        first_line: dict = {}
        for k, v in n.value:
            kline = k.start_mark.line + 1 + self.offset
            if not isinstance(k, yaml.ScalarNode) or k.tag != _STR_TAG:
                self.error(kline, "a setting name must be plain text.")
            elif k.value in out:
                self.error(kline, f"'{k.value}' is set twice (first on line {first_line[k.value]}). "
                           "Keep one and delete the other.")
            else:
                first_line[k.value] = kline
                self.doc.lines[(*key, k.value)] = kline
                out[k.value] = self.convert(v, (*key, k.value))
        return out

    def scalar(self, n: yaml.ScalarNode, line: int):
        if n.tag == _STR_TAG:
            return n.value       # what construct_object gives a plain string
        if n.tag not in _ALLOWED_SCALAR_TAGS:
            return self.bad_tag(n, line)
        try:
            return self.loader.construct_object(n, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            if n.tag == "tag:yaml.org,2002:timestamp":
                return n.value   # a day that does not exist (2026-02-30): the setting's own check names it
            self.error(line, f"'{n.value}' cannot be read: {exc}.")
            return None

    def bad_tag(self, n: yaml.Node, line: int) -> None:
        tag = n.tag.replace("tag:yaml.org,2002:", "!!")
        self.error(line, f"the YAML tag '{tag}' is not allowed. Remove it and write plain text.")


# Content nests a few levels; PyYAML's composer recurses and gives up near a few hundred.
_MAX_DEPTH = 50
_OPEN = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.FlowMappingStartToken,
         yaml.FlowSequenceStartToken)
_CLOSE = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def _too_deep_line(text: str, line_offset: int) -> int | None:
    """The line where nesting first goes past _MAX_DEPTH (the scanner does not recurse)."""
    loader, depth = yaml.SafeLoader(text), 0
    try:
        while (token := loader.get_token()) is not None:
            depth += isinstance(token, _OPEN) - isinstance(token, _CLOSE)
            if depth > _MAX_DEPTH:
                return token.start_mark.line + 1 + line_offset
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    return None


@dataclass
class MarkdownFile:
    """A section file: its front matter as a Doc, its Markdown body and the line the body starts on."""

    meta: Doc
    body: str
    body_line: int


def split_front_matter(text: str, path: Path, problems: Problems) -> MarkdownFile | None:
    how = ("Start the file with a line '---', then its settings (such as 'title: ...'), "
           "then another '---' line, then the text.")
    if not text.strip():
        problems.error(path, 1, f"this file is empty. {how}")
        return None
    first_end = text.find("\n")
    if (text[:first_end] if first_end >= 0 else text).strip() != "---":
        problems.error(path, 1, f"the settings block at the top is missing. {how}")
        return None
    closing = _CLOSING_LINE.search(text, first_end + 1) if first_end >= 0 else None
    if closing is None:
        problems.error(path, 1, f"the settings block is never closed: add a '---' line after the settings. {how}")
        return None
    i = text.count("\n", 0, closing.start())    # the closing line's index
    meta = parse_yaml(text[first_end + 1:closing.start() - 1], path, problems, line_offset=1)
    if meta is None:
        return None
    if meta.data is None:
        meta.data = {}
    if not isinstance(meta.data, dict):
        problems.error(path, 2, "the settings block must be a list of 'name: value' lines.")
        return None
    return MarkdownFile(meta, text[closing.end() + 1:], i + 2)


def body_of(text: str) -> tuple[str, int] | None:
    """(text, first line) after a settings block that is there and closed, whether or not its
    settings can be read: the text is checked even when the settings are not."""
    first_end = text.find("\n")
    if first_end < 0 or text[:first_end].strip() != "---":
        return None
    closing = _CLOSING_LINE.search(text, first_end + 1)
    return (text[closing.end() + 1:], text.count("\n", 0, closing.start()) + 2) if closing else None


# The line that closes the settings block: '---' or '...' once stripped of whitespace (\s is the
# whitespace str.strip() removes). Found by one search, not by stripping every line before it.
_CLOSING_LINE = re.compile(r"^[^\S\n]*(?:---|\.\.\.)[^\S\n]*$", re.MULTILINE)


def as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
