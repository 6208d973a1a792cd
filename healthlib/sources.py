"""Reading content files safely: size, encoding, symlinks, YAML with line numbers, front matter.

Nothing here knows what a condition is; it turns bytes into plain Python values plus a map
from each value's position (a tuple of keys and indexes) to its line in the file, so that the
validator can say exactly where a problem is.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import Problems

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


_already_read: dict[str, bytes] = {}


def read_bytes(path: str | os.PathLike) -> bytes:
    """A file's bytes, by os.open and os.read: open() adds a buffer object and fstat, isatty
    and lseek calls, twice the time for a content file (a cold build reads 13 a condition)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        parts = []
        while part := os.read(fd, 1 << 16):
            parts.append(part)
        return b"".join(parts)
    finally:
        os.close(fd)


@contextlib.contextmanager
def already_read(files: dict[str, bytes]):
    """While it lasts, read_text takes a plain file's bytes from `files` (path -> bytes, as just
    read to find the folder's cache key) instead of reading the file again."""
    _already_read.update(files)
    try:
        yield
    finally:
        _already_read.clear()


def read_text(path: Path, root: Path, problems: Problems) -> str | None:
    """The file's text with a BOM dropped and line endings made \\n, or None after reporting why not."""
    size = _plain_file_size(path, root)
    real = path
    if size is None:
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
        if not real.is_file():
            # A folder, a pipe or a device: reading it fails or never ends.
            problems.error(path, None, "this is not a plain file. Replace it with a text file.")
            return None
        size = real.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.error(path, None, f"this file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}. "
                       "Split it up or remove what does not belong in it.")
        return None
    raw = _already_read.pop(str(path), None) if real is path else None
    if raw is None or len(raw) != size:
        raw = read_bytes(real)
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


def _plain_file_size(path: Path, root: Path) -> int | None:
    """The size of `path` when it is a plain file reached from `root` by plain names, none of
    them a symlink: then it resolves to a file inside root, and read_text can skip resolving it
    (two lstat calls instead of realpath's walk from /). None when it must be resolved: a
    symlink, '..', a path not under root, or anything missing or odd (read_text says which)."""
    path_text, root_text = os.fspath(path), os.fspath(root)
    prefix = root_text if root_text.endswith(os.sep) else root_text + os.sep
    if not path_text.startswith(prefix):
        return None
    at = prefix
    for name in path_text[len(prefix):].split(os.sep):
        if name in ("", ".", ".."):
            return None
        at += name
        try:
            info = os.lstat(at)
        except OSError:
            return None
        if stat.S_ISLNK(info.st_mode):
            return None
        at += os.sep
    return info.st_size if stat.S_ISREG(info.st_mode) else None


# Characters YAML refuses (controls, non-characters), and line separators that editors often do
# not show and that YAML would count as line breaks (so every line number after them would be off).
# Also the embedding and override controls U+202A to U+202E ("Trojan Source": text shown in
# another order than it is read); _WRITTEN_BIDI finds them as YAML escapes or HTML references.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\ufffe\uffff]")
_BIDI = range(0x202A, 0x202F)
_WRITTEN_BIDI = re.compile(r"\\(?:u|U0000)(202[a-eA-E])|&#[xX]0*(202[a-eA-E]);?|&#0*(823[4-8]);?")


def _hint(problem: str) -> str:
    if "\\t" in problem or "tab" in problem:
        return " Use spaces, not tabs, to indent."
    if "mapping values are not allowed" in problem:
        return " If a text contains ': ', put the whole text in quotes."
    if "expected <block end>" in problem or "did not find expected" in problem:
        return " Check the indentation of this line and the one before it."
    return ""


# libyaml (C) composes YAML about 15 times faster than pure Python, and most of a big build was
# YAML. Its composer recurses in C and crashes the process near 100,000 levels, so it only reads
# short text (a level takes at least two characters); and a document nested deeper than
# _C_MAX_DEPTH, or one it rejects, is read again by the pure-Python loader, so every value,
# line and message is the same as without it (tests/test_fast_paths.py).
_C_MAX_CHARS = 10_000
_C_MAX_DEPTH = 100
_STR_TAG = "tag:yaml.org,2002:str"
_DEFAULT_TAGS = {yaml.ScalarNode: _STR_TAG, yaml.SequenceNode: _SEQ_TAG, yaml.MappingNode: _MAP_TAG}


def _c_loader():
    """libyaml's safe loader, with the Python methods its composer calls for every node made cheap.

    A plain scalar is resolved (str, int, bool, date...) by the YAML 1.1 patterns listed under its
    first character, and most start with a character that has none: those are strings, without
    the general search. The safe loader has no path resolvers, so descending and ascending do
    nothing: C callables that do nothing save a Python call each. Same tags as the safe loader
    (tests/test_fast_paths.py)."""
    base = getattr(yaml, "CSafeLoader", None)
    if base is None or base.yaml_path_resolvers or None in base.yaml_implicit_resolvers:
        return base

    class Loader(base):
        def resolve(self, kind, value, implicit):
            if kind is yaml.ScalarNode and implicit[0] and value[:1] in self.yaml_implicit_resolvers:
                return super().resolve(kind, value, implicit)
            return _DEFAULT_TAGS[kind]

        descend_resolver = {}.get     # (parent, index) -> index; no state
        ascend_resolver = tuple       # () -> ()

    return Loader


_CLoader = _c_loader()


def _fast_node(text: str):
    """(loader, node) composed by libyaml, or None when it cannot or should not read `text`."""
    if _CLoader is None or len(text) > _C_MAX_CHARS:
        return None
    loader = _CLoader(text)
    try:
        return loader, loader.get_single_node()
    except yaml.YAMLError:
        loader.dispose()
        return None


class _TooDeepForC(Exception):
    pass


def parse_yaml(text: str, path: Path, problems: Problems, line_offset: int = 0, fast: bool = True) -> Doc | None:
    """Parse one YAML document into plain values, refusing tags, aliases and duplicate keys.
    `fast`: let libyaml compose it when it safely can (the result is the same)."""
    fast = _fast_node(text) if fast else None
    loader = fast[0] if fast else yaml.SafeLoader(text)
    try:
        node = fast[1] if fast else loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else None
        problem = exc.problem or exc.context or "the YAML cannot be read"
        problems.error(path, line, f"YAML error: {problem}.{_hint(problem)}")
        return None
    except yaml.YAMLError as exc:
        problems.error(path, None, f"YAML error: {exc}")
        return None
    except RecursionError:
        problems.error(path, _too_deep_line(text, line_offset), "this YAML is nested too deeply. Simplify it.")
        return None
    finally:
        loader.dispose()
    doc = Doc(path, None)
    if node is None:
        return doc
    seen: set[int] = set()
    lines = doc.lines
    items_before = len(problems.items)
    # Only an alias ('*name') re-uses a node: without a '*' in the text no node can be reached
    # twice, so the check is skipped; so is the general conversion of plain strings in lists and
    # mappings. Only when libyaml composed the text: the pure-Python reading keeps the general
    # code, and tests/test_fast_paths.py proves both give the same.
    shortcut = fast and "*" not in text

    def convert(n: yaml.Node, key: tuple):
        if fast and len(key) > _C_MAX_DEPTH:
            raise _TooDeepForC
        line = n.start_mark.line + 1 + line_offset
        lines.setdefault(key, line)
        if not shortcut:
            if id(n) in seen:
                # An alias re-uses a node; refusing them also stops "billion laughs" expansion.
                problems.error(path, line, "YAML anchors and aliases (&name, *name) are not allowed. "
                               "Write the text out in full.")
                raise _Stop
            seen.add(id(n))
        # A plain string below this node needs none of convert's checks (no alias, not too deep):
        # its line is recorded and its text kept, as convert(child) would.
        flat = shortcut and len(key) < _C_MAX_DEPTH
        kind = type(n)
        if kind is yaml.MappingNode:
            if n.tag != _MAP_TAG:
                return _bad_tag(n, line)
            out: dict = {}
            first_line: dict = {}
            for k, v in n.value:
                kline = k.start_mark.line + 1 + line_offset
                if type(k) is not yaml.ScalarNode or k.tag != _STR_TAG:
                    problems.error(path, kline, "a setting name must be plain text.")
                    continue
                name = k.value
                if name in out:
                    problems.error(path, kline, f"'{name}' is set twice (first on line "
                                   f"{first_line[name]}). Keep one and delete the other.")
                    continue
                first_line[name] = kline
                lines[sub := key + (name,)] = kline
                out[name] = v.value if flat and type(v) is yaml.ScalarNode and v.tag == _STR_TAG else convert(v, sub)
            return out
        if kind is yaml.SequenceNode:
            if n.tag != _SEQ_TAG:
                return _bad_tag(n, line)
            if not flat:
                return [convert(item, key + (i,)) for i, item in enumerate(n.value)]
            items = []
            for i, item in enumerate(n.value):
                if type(item) is yaml.ScalarNode and item.tag == _STR_TAG:
                    lines.setdefault(key + (i,), item.start_mark.line + 1 + line_offset)
                    items.append(item.value)
                else:
                    items.append(convert(item, key + (i,)))
            return items
        if n.tag == _STR_TAG:
            return n.value       # what construct_object gives a plain string, without its dispatch
        if n.tag not in _ALLOWED_SCALAR_TAGS:
            return _bad_tag(n, line)
        try:
            return loader.construct_object(n, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            if n.tag == "tag:yaml.org,2002:timestamp":
                # A day that does not exist (2026-02-30): keep the text, so the setting's own check
                # names it, and the rest of the file is still checked.
                return n.value
            problems.error(path, line, f"'{n.value}' cannot be read: {exc}.")
            return None

    def _bad_tag(n: yaml.Node, line: int):
        tag = n.tag.replace("tag:yaml.org,2002:", "!!")
        problems.error(path, line, f"the YAML tag '{tag}' is not allowed. Remove it and write plain text.")
        return None

    try:
        doc.data = convert(node, ())
    except _TooDeepForC:
        del problems.items[items_before:]
        return parse_yaml(text, path, problems, line_offset, fast=False)
    except _Stop:
        return None
    except RecursionError:
        problems.error(path, _too_deep_line(text, line_offset), "this YAML is nested too deeply. Simplify it.")
        return None
    finally:
        # convert refers to itself (it recurses), and through its closure to the loader and every
        # node: unless the cycle is cut here, each file's nodes wait for the garbage collector,
        # which then took a fifth of loading a big library.
        del convert
    if any(p.is_error for p in problems.items[items_before:]):
        return None
    return doc


class _Stop(Exception):
    pass


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
