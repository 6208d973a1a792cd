"""Markdown headings an editor wrote above the level a text may use, each with its own line.

The sanitizer drops an <h1> and a template already makes the <h2>s, so the HTML alone cannot say
where the heading was written or what it looked like: this reads the Markdown source.
"""
from __future__ import annotations

import re

# '# Title' (up to three spaces before it), and the line under a setext heading ('===' or '---').
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def too_high(source: str, top: int) -> list[tuple[int, int, str]]:
    """(line offset in `source`, level, heading text) of each heading above level `top`."""
    out, fence, previous, before = [], None, "", ""
    for i, line in enumerate(source.split("\n")):
        opened = _FENCE.match(line)
        if fence is not None or opened:
            fence = None if fence is not None and opened and opened.group(1)[0] == fence else (
                fence if fence is not None else opened.group(1)[0])
            before = previous = ""
            continue
        atx = _ATX.match(line)
        # Python-Markdown makes a setext heading of a paragraph's first line only.
        setext = _SETEXT.match(line) if previous.strip() and not before.strip() and not atx else None
        if atx and len(atx.group(1)) < top:
            out.append((i, len(atx.group(1)), (atx.group(2) or "").strip()))
        elif setext and previous.strip() and not previous.startswith((" " * 4, "\t")) and \
                not re.match(r"^\s*([-*+]|\d+[.)])\s", previous):
            level = 1 if setext.group(1)[0] == "=" else 2
            if level < top:
                out.append((i - 1, level, previous.strip()))
        before, previous = previous, line
    return out


def message(level: int, text: str, top: int) -> str:
    """What to write instead of a heading of `level`, when the text's own headings start at `top`."""
    written = f"{'#' * level} {text}".strip()
    made = ("the page title" if level == 1 else "the section headings")
    return (f"'{written}' is a level-{level} heading, the level of {made}, which the build makes for "
            f"you. For a heading inside this text, write '{'#' * top} {text or '...'}' "
            f"(and '{'#' * (top + 1)}' for one below it).")
