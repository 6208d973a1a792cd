"""YAML reading errors in plain words: what went wrong, on which line of the file, and the fix.

PyYAML says where its parser gave up, which is often a line after the mistake (or past the end
of the file). Editors need the line they wrote the mistake on, so each case below points at
where the text began: the opening bracket or quote, the line that continues a text, the
value with ': ' in it.
"""
from __future__ import annotations

import re

import yaml

# 'name: value' or '- name: value' at the start of a line, as content writes settings.
_SETTING = re.compile(r"^(?P<indent>\s*(?:-\s+)?)(?P<name>[^\s:#'\"\[{][^:#]*?):(?:\s+(?P<value>.*))?$")
_ITEM = re.compile(r"^\s*-\s+(?P<value>.*)$")


def explain(text: str, exc: yaml.MarkedYAMLError, line_offset: int = 0) -> tuple[int | None, str]:
    """(line in the file, message with the fix) for a YAML error in `text`, which starts on
    line `line_offset + 1` of its file. The line is never past the end of the text."""
    lines = text.split("\n")
    problem = exc.problem or exc.context or "the YAML cannot be read"
    problem_at = exc.problem_mark.line if exc.problem_mark else None
    context_at = exc.context_mark.line if exc.context_mark else None
    try:
        found = _case(lines, problem, exc.context or "", problem_at, context_at,
                      exc.problem_mark.column if exc.problem_mark else 0, line_offset)
    except Exception:    # an unforeseen shape must not hide the error: PyYAML's own words then
        found = None
    index, message = found if found else (problem_at if problem_at is not None else context_at,
                                          f"YAML error: {problem}.{_hint(problem)}")
    if index is None:
        return None, message
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), 0)   # past it: the file's end
    return min(index, last) + 1 + line_offset, message


def _case(lines: list[str], problem: str, context: str, at: int | None, opened: int | None,
          column: int, offset: int) -> tuple[int, str] | None:
    """(0-based line, message) for a mistake editors make often, or None."""
    if "\\t" in problem:
        return None
    if opened is not None and opened < len(lines):
        if "quoted scalar" in context:
            return opened, _unclosed_quote(lines[opened])
        if "flow sequence" in context or "flow mapping" in context:
            return opened, _bracket_start(lines[opened])
        if "simple key" in context:
            return opened, _continued_text(lines, opened, offset)
    if at is None or at >= len(lines):
        return None
    if ("cannot start any token" in problem or "but found '<scalar>'" in problem or "block scalar" in context
            or "alias" in context + problem or "anchor" in context) and (special := _special_start(lines[at], context)):
        return at, special
    if "mapping values are not allowed" in problem:
        return at, _colon(lines, at, column, offset)
    if "but found '<scalar>'" in problem and _value(lines[at])[1][:1] in ("[", "{"):
        return at, _bracket_start(lines[at])
    if "expected <block end>" in problem or "did not find expected" in problem:
        return at, _indentation(lines, at, offset)
    return None


def _value(line: str) -> tuple[str, str]:
    """(what comes before the text: 'name: ' or '- ', the text) of a line; ('', line) otherwise."""
    setting = _SETTING.match(line)
    if setting and setting["value"] is not None:
        return f"{setting['name'].strip()}: ", setting["value"].strip()
    item = _ITEM.match(line)
    if item:
        return "- ", item["value"].strip()
    return "", line.strip()


def _quoted(line: str) -> str:
    """The line's text in double quotes, as an example to copy."""
    before, value = _value(line)
    if not before or not value:
        return ""
    return f" For example: {before}\"{value.replace(chr(34), chr(39))}\""


def _bracket_start(line: str) -> str:
    bracket = next((c for c in _value(line)[1][:1] if c in "[{"), "[")
    kind = "a list" if bracket == "[" else "a group of settings"
    return (f"this text starts with '{bracket}', which YAML reads as the start of {kind}. "
            f"Put the whole text in double quotes, or start it with a word.{_quoted(line)}")


def _unclosed_quote(line: str) -> str:
    quote = next((c for c in _value(line)[1][:1] if c in "'\""), '"')
    return (f"the quote {quote} that starts the text on this line is never closed. Put a {quote} at "
            f"the end of the text, or remove the one at the start.")


def _continued_text(lines: list[str], at: int, offset: int) -> str:
    above = next((i for i in range(at - 1, -1, -1) if _SETTING.match(lines[i]) or _ITEM.match(lines[i])), None)
    if above is None:
        return "this line is text, but YAML expects 'name: value' here. Write 'name:' before it."
    setting = _SETTING.match(lines[above])
    if setting is None:
        return (f"this line continues the list item on line {above + 1 + offset}, but YAML reads it as a "
                "new setting. Write the item on one line, or indent this line two spaces more than the '- '.")
    name = setting["name"].strip()
    return (f"this line continues the text of '{name}' on line {above + 1 + offset}, but YAML reads "
            f"it as a new setting. For text on several lines, write '{name}: >-' and put the text on "
            f"the lines below it, each indented two spaces more than '{name}'.")


def _special_start(line: str, context: str) -> str | None:
    """A text that starts with a sign YAML keeps for itself ('@', '`', '*', '&', or text after '>-')."""
    before, value = _value(line)
    if "block scalar" in context:
        return (f"after '{value.split()[0] if value else '>-'}' the text must start on the next line. Put "
                "the text on the lines below, each indented two spaces more than the setting's name.")
    if value[:1] in ("@", "`", "*", "&"):
        return (f"this text starts with '{value[0]}', which YAML keeps for itself. Put the whole text in "
                f"double quotes, or start it with a word.{_quoted(line)}")
    if value[:1] in ("'", '"'):
        return (f"this text starts with a quote, and goes on after the closing quote. Put the whole text in "
                f"double quotes, or remove the quotes.{_quoted(line)}")
    return None


def _colon(lines: list[str], at: int, column: int, offset: int) -> str:
    line = lines[at]
    if ": " not in line[:column]:      # the ':' ends a setting's name: the line is out of place
        return _indentation(lines, at, offset)
    if not line[column + 1:].strip():
        return ("this text ends in ':', which YAML reads as the start of a new setting. Remove "
                f"the ':' at the end, or put the whole text in double quotes.{_quoted(line)}")
    return ("this text has ': ' in it, which YAML reads as the start of a new setting. Put the "
            f"whole text in double quotes, or write it without ': '.{_quoted(line)}")


def _indentation(lines: list[str], at: int, offset: int) -> str:
    spaces = len(lines[at]) - len(lines[at].lstrip(" "))
    above = next((i for i in range(at - 1, -1, -1) if lines[i].strip() and not lines[i].lstrip().startswith("#")),
                 None)
    if above is None:
        return "this line is indented, but it is the first setting. Start it at the beginning of the line."
    setting = _SETTING.match(lines[above])
    before = len(setting["indent"]) if setting else len(lines[above]) - len(lines[above].lstrip(" "))
    return (f"this line starts after {spaces} space(s), the setting on line {above + 1 + offset} after {before}, so "
            "YAML cannot tell which group it belongs to. Settings of one group start in the same "
            "column; the '- ' items of a list are indented two spaces more than the list's name.")


def _hint(problem: str) -> str:
    if "\\t" in problem or "tab" in problem:
        return " Use spaces, not tabs, to indent."
    if "mapping values are not allowed" in problem:
        return " If a text contains ': ', put the whole text in quotes."
    if "expected <block end>" in problem or "did not find expected" in problem:
        return " Check the indentation of this line and the one before it."
    return ""
