"""Bounded work per content file: hostile Markdown is refused before it costs much, the rest is
converted under a time budget, and a crash inside a library becomes a located problem.

Python-Markdown's work grows with the square of a paragraph's length times its formatting marks,
and of the number of blocks side by side; each unclosed '[' scans to the end of its paragraph;
lists nested some 200 deep overflow Python's stack. The limits below refuse shapes no editor
writes (docs/safety.md has the measurements behind them); the budget stops whatever else is slow.
"""
from __future__ import annotations

import functools
import inspect
import re
import signal
import threading
import time
from collections.abc import Callable

from ..errors import Problems
from ..text import markup

# Seconds of Markdown conversion one content file may take (site.yaml `markdown_time_limit`).
DEFAULT_TIME_LIMIT = 3.0
# Lists and quotes inside each other; content needs three or four, the parser recurses ~200 deep.
MAX_NESTING = 20
# Lines with text in one piece of Markdown: a section has a few dozen.
MAX_LINES = 2_000
# Characters in one paragraph (lines without a blank line between them).
MAX_PARAGRAPH = 10_000
# Formatting symbols in one paragraph (each one costs a pass over it), and in one piece of Markdown.
MAX_MARKS = 1_000
MAX_MARKS_TOTAL = 5_000
# '[' never closed by ']' in one paragraph: each one scans the rest of the paragraph.
MAX_UNCLOSED = 50
# Under the limits above, Markdown this short is read in milliseconds: it runs without the timer.
UNTIMED = 2_000

# What the inline patterns (and SmartyPants: dashes, ellipses, quotes) each make a pass for.
MARKS = ("*", "_", "`", "[", "<", "&", "--", "...", '"', "'")
# A line opening more than MAX_NESTING levels (quote mark, list marker or 4-space indent), each
# level atomic so no line is tried two ways; from a '\n', which sre scans for fast, not '^'.
_LEVELS = (r"(?>[ ]{0,3}>[ ]?|[ ]{0,3}(?:[-*+]|\d{1,9}[.)])[ \t]++|[ ]{4}|[ ]{0,3}\t)"
           f"{{{MAX_NESTING + 1}}}")
_NESTED_FIRST = re.compile(_LEVELS)
_LEVEL_STARTS = frozenset(" \t>-*+0123456789")
_NESTED = re.compile("\n" + _LEVELS)
_BLANK_LINE = re.compile(r"\n[ \t]*(?:\n|$)")
_BRACKET = re.compile(r"\\.|\]\(|[\[\]()]", re.DOTALL)


class OverBudget(BaseException):
    """The file's time budget ran out (BaseException: no library's `except Exception` keeps it)."""


_time_limit = DEFAULT_TIME_LIMIT
_left: float | None = None          # what is left of the current file's budget (one_file)
_armed = False
_chained = None                     # the SIGALRM handler there was before ours


def set_time_limit(seconds: float) -> None:
    global _time_limit
    _time_limit = seconds


def _ring(signum, frame):
    if _armed:
        raise OverBudget
    if callable(_chained):
        _chained(signum, frame)


_HAS_TIMER = hasattr(signal, "setitimer")


def _can_time() -> bool:
    # Only the main thread gets signals; elsewhere (none today) the pre-checks alone bound the work.
    return _HAS_TIMER and threading.get_ident() == threading.main_thread().ident


def within_budget(work: Callable, *args):
    """work(*args), stopped by OverBudget when the current file's time budget runs out."""
    global _armed, _chained, _left
    left = _time_limit if _left is None else _left
    if left <= 0:
        raise OverBudget
    if not _can_time():
        return work(*args)
    if signal.getsignal(signal.SIGALRM) is not _ring:
        _chained = signal.signal(signal.SIGALRM, _ring)
    started = time.monotonic()
    outer = signal.setitimer(signal.ITIMER_REAL, left)
    _armed = True
    try:
        return work(*args)
    finally:
        _armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        spent = time.monotonic() - started
        if _left is not None:
            _left -= spent
        if outer[0] > 0:   # someone else's timer (a test runner's): give it back what is left
            signal.setitimer(signal.ITIMER_REAL, max(outer[0] - spent, 1e-3), outer[1])


def one_file(fallback):
    """Decorator for a function that reads one content file, given as its `path` argument and
    reporting to its `problems` argument: the file's Markdown shares one time budget, and an
    exception escaping a library becomes a problem on that file (`fallback` is returned)."""
    def wrap(func):
        names = list(inspect.signature(func).parameters)
        at_path, at_problems = names.index("path"), names.index("problems")

        @functools.wraps(func)
        def guarded(*args, **kwargs):
            global _left
            path = args[at_path] if at_path < len(args) else kwargs["path"]
            problems = args[at_problems] if at_problems < len(args) else kwargs["problems"]
            outer, _left = _left, _time_limit if _left is None else _left
            try:
                return func(*args, **kwargs)
            except OverBudget:
                problems.error(path, None, over_budget_message())
            except BaseException as exc:
                if not is_crash(exc):
                    raise
                problems.error(path, None, crash_message(exc))
            finally:
                _left = outer
            return fallback
        return guarded
    return wrap


def is_crash(exc: BaseException) -> bool:
    """A library failed on the content: any exception (a Rust library's panic is a BaseException),
    but not Ctrl+C, an exit or a stopped generator."""
    return not isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit))


def over_budget_message() -> str:
    return (f"this file's Markdown took more than {_time_limit:g} seconds to read, so the build "
            "stopped it (the limit is 'markdown_time_limit' in site.yaml). Split long paragraphs "
            "with blank lines and remove repeated symbols such as [ * _ ` < &.")


def crash_message(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return ("this text is nested too deeply for the build to read. Use fewer lists or quotes "
                "inside each other.")
    if isinstance(exc, MemoryError):
        return "the build ran out of memory reading this text. Make it shorter or simpler."
    return (f"the build could not read this text ({type(exc).__name__}: {exc}). Simplify the text "
            "at this line; if it looks fine, report this message to the developers.")


def convert(render: Callable, source: str, path, line: int | None, exact: bool, problems: Problems):
    """render(source) under the limits above and the file's budget, or None after reporting why
    not. `exact`: `source` is the file from `line` on, so a problem gets its own line."""
    refused = too_costly(source)
    if refused is not None:
        offset, message = refused
        problems.error(path, line + offset if exact and line else line, message)
        return None
    try:
        return render(source) if len(source) < UNTIMED else within_budget(render, source)
    except OverBudget:
        problems.error(path, line, over_budget_message())
    except BaseException as exc:
        if not is_crash(exc):
            raise
        problems.error(path, line, crash_message(exc))
    _forget_parser()
    return None


def _forget_parser() -> None:
    markup.forget_parser()   # a conversion stopped halfway may leave the parser in any state


def too_costly(source: str) -> tuple[int, str] | None:
    """(line offset in `source`, message) of the first limit it breaks, or None. Cheap: counted in
    C, and looked at paragraph by paragraph only when the whole text is over a limit."""
    if len(source) <= MAX_NESTING:     # most list items: too short to break any limit
        return None
    m = (_NESTED_FIRST.match(source) if source[0] in _LEVEL_STARTS else None) or _NESTED.search(source)
    if m is not None:
        return (source.count("\n", 0, m.start() + (source[m.start()] == "\n")),
                f"this line is nested more than {MAX_NESTING} levels deep (lists or quotes inside each "
                "other, or an indent of more than {} spaces). Use at most a few levels.".format(4 * MAX_NESTING))
    if len(source) > 2 * MAX_LINES and source.count("\n") >= MAX_LINES and _text_lines(source) > MAX_LINES:
        return (_nth_text_line(source, MAX_LINES),
                f"this text has more than {MAX_LINES:,} lines. A section is a few dozen; "
                "split it up or remove what does not belong in it.")
    if source.count("[") <= MAX_UNCLOSED and (len(source) <= MAX_MARKS or (
            len(source) <= MAX_PARAGRAPH and sum(map(source.count, MARKS)) <= MAX_MARKS)):
        return None
    total = 0
    for start, paragraph in _paragraphs(source):
        problem = _paragraph_problem(paragraph)
        if problem is not None:
            offset, message = problem
            return source.count("\n", 0, start) + offset, message
        total += sum(map(paragraph.count, MARKS))
        if total > MAX_MARKS_TOTAL:
            return source.count("\n", 0, start), (
                f"by this paragraph the text has {total:,} formatting symbols ({' '.join(MARKS)}); the limit "
                f"is {MAX_MARKS_TOTAL:,}. A section has a few dozen: remove symbols that are not formatting.")
    return None


def _text_lines(source: str) -> int:
    return sum(1 for line in source.split("\n") if line.strip())


def _nth_text_line(source: str, n: int) -> int:
    seen = 0
    for i, line in enumerate(source.split("\n")):
        seen += bool(line.strip())
        if seen > n:
            return i
    return 0


def _paragraphs(source: str):
    """(start, text) of each run of lines without a blank line between them."""
    start = 0
    for m in _BLANK_LINE.finditer(source):
        if m.start() > start:
            yield start, source[start:m.start()]
        start = m.end()
    if start < len(source):
        yield start, source[start:]


def _paragraph_problem(paragraph: str) -> tuple[int, str] | None:
    lines = paragraph.count("\n") + 1
    what = "this line" if lines == 1 else f"this paragraph ({lines} lines)"
    if len(paragraph) > MAX_PARAGRAPH:
        return 0, (f"{what} has {len(paragraph):,} characters; the limit is {MAX_PARAGRAPH:,}. "
                   "Break it into shorter paragraphs with blank lines between them.")
    unclosed = _unclosed(paragraph)
    if len(unclosed) > MAX_UNCLOSED:
        return paragraph.count("\n", 0, unclosed[0]), (
            f"{what} has {len(unclosed):,} '[' or '](' that are never closed with ']' or ')' (the first on "
            f"this line); the limit is {MAX_UNCLOSED}. Close each link, or write '\\[' for a plain bracket.")
    marks = sum(map(paragraph.count, MARKS))
    if marks > MAX_MARKS:
        return 0, (f"{what} has {marks:,} formatting symbols ({' '.join(MARKS)}); the limit is "
                   f"{MAX_MARKS:,}. Break it into shorter paragraphs, or remove symbols that are not formatting.")
    return None


def _unclosed(paragraph: str) -> list[int]:
    """Where each '[' is that no ']' closes, and each link address '](' that no ')' closes, in
    order: Markdown pairs them innermost first, and '\\[' is text. Each one makes the parser scan
    the rest of the paragraph."""
    if paragraph.count("[") <= MAX_UNCLOSED and paragraph.count("](") <= MAX_UNCLOSED:
        return []
    brackets: list[int] = []
    parens: list[tuple[int, bool]] = []
    for m in _BRACKET.finditer(paragraph):
        token = m.group()
        if token == "[":
            brackets.append(m.start())
        elif token == "]" and brackets:
            brackets.pop()
        elif token == "](":
            if brackets:
                brackets.pop()
            parens.append((m.start(), True))
        elif token == "(":
            parens.append((m.start(), False))
        elif token == ")" and parens:
            parens.pop()
    return sorted(brackets + [at for at, link in parens if link])
