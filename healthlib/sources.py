"""Reading content files safely: size, encoding, symlinks, YAML with line numbers, front matter.

Nothing here knows what a condition is; it turns bytes into plain Python values plus a map
from each value's position (a tuple of keys and indexes) to its line in the file, so that the
validator can say exactly where a problem is.
"""
from __future__ import annotations

import datetime as dt
import re
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


def read_text(path: Path, root: Path, problems: Problems) -> str | None:
    """The file's text with a BOM dropped and line endings made \\n, or None after reporting why not."""
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
    if bad:
        problems.error(path, text.count("\n", 0, bad.start()) + 1, "this line has an invisible control "
                       f"character (U+{ord(bad.group()):04X}). Delete it; retyping the line is the easiest way.")
        return None
    return text


# Characters YAML refuses (controls, non-characters), and line separators that editors often do
# not show and that YAML would count as line breaks (so every line number after them would be off).
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


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
_CLoader = getattr(yaml, "CSafeLoader", None)
_C_MAX_CHARS = 10_000
_C_MAX_DEPTH = 100
_STR_TAG = "tag:yaml.org,2002:str"


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
    errors_before, items_before = len(problems.errors), len(problems.items)

    def convert(n: yaml.Node, key: tuple):
        if fast and len(key) > _C_MAX_DEPTH:
            raise _TooDeepForC
        line = n.start_mark.line + 1 + line_offset
        doc.lines.setdefault(key, line)
        if id(n) in seen:
            # An alias re-uses a node; refusing them also stops "billion laughs" expansion.
            problems.error(path, line, "YAML anchors and aliases (&name, *name) are not allowed. "
                           "Write the text out in full.")
            raise _Stop
        seen.add(id(n))
        if isinstance(n, yaml.MappingNode):
            if n.tag != _MAP_TAG:
                return _bad_tag(n, line)
            out: dict = {}
            first_line: dict = {}
            for k, v in n.value:
                kline = k.start_mark.line + 1 + line_offset
                if not isinstance(k, yaml.ScalarNode) or k.tag != "tag:yaml.org,2002:str":
                    problems.error(path, kline, "a setting name must be plain text.")
                    continue
                name = k.value
                if name in out:
                    problems.error(path, kline, f"'{name}' is set twice (first on line "
                                   f"{first_line[name]}). Keep one and delete the other.")
                    continue
                first_line[name] = kline
                doc.lines[key + (name,)] = kline
                out[name] = convert(v, key + (name,))
            return out
        if isinstance(n, yaml.SequenceNode):
            if n.tag != _SEQ_TAG:
                return _bad_tag(n, line)
            return [convert(item, key + (i,)) for i, item in enumerate(n.value)]
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
    if len(problems.errors) > errors_before:
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
    lines = text.split("\n")
    if lines[0].strip() != "---":
        problems.error(path, 1, f"the settings block at the top is missing. {how}")
        return None
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            meta = parse_yaml("\n".join(lines[1:i]), path, problems, line_offset=1)
            if meta is None:
                return None
            if meta.data is None:
                meta.data = {}
            if not isinstance(meta.data, dict):
                problems.error(path, 2, "the settings block must be a list of 'name: value' lines.")
                return None
            return MarkdownFile(meta, "\n".join(lines[i + 1:]), i + 2)
    problems.error(path, 1, f"the settings block is never closed: add a '---' line after the settings. {how}")
    return None


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
