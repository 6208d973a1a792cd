"""Fuzzing for slowness (issue 20): Hypothesis builds nested and repetitive Markdown (lists,
blockquotes, emphasis, links, tables, HTML fragments, long runs of one mark) and each example must
end within its time budget in a page or in a problem located on one of its lines.

Most examples run the Markdown stage in-process exactly as loading a section does
(guard.convert around markup.render_block or render_inline); a few run `build.py check` on a
section holding the example. `make test` runs a small derandomized share; `make fuzz` sets
HEALTHLIB_FUZZ_EXAMPLES=10000 and searches afresh each run. The slowest examples are printed.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from contentkit import copy_content
from healthlib.content import guard
from healthlib.errors import Problems
from healthlib.text import markup
from sitecopy import first_condition, run_cli

SHARE = 200          # in-process examples in `make test`
EXAMPLES = int(os.environ.get("HEALTHLIB_FUZZ_EXAMPLES", SHARE))
SEARCHING = EXAMPLES > SHARE
CLI_EXAMPLES = max(3, EXAMPLES // 500)
BUDGET_S = guard.DEFAULT_TIME_LIMIT
# The pre-checks, the parser's reset after a stopped conversion, a busy machine.
MARGIN_S = 2.0
CLI_MARGIN_S = 20.0
BODY_LINE = 10       # where the example's first line is said to be in its file

FUZZ = settings(deadline=None, derandomize=not SEARCHING, database=None, print_blob=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])

UNITS = ["*", "**", "_", "__", "`", "``", "[", "]", "(", ")", "](", "![", "<", ">", "&", "&amp;", "&#", "\\",
         "!", "#", "|", "-", "+", "1.", ":", "~", "=", '"', "'", "<b>", "</b>", "<span>", "</span>", "<div>",
         "<!--", "-->", "<http://", '<a href="x">', "</a>", "[a][", "[a](b)", "*a*", "`a`", "word", "skin",
         " ", "  ", "\t", "\n", "\n\n", "é", "\u062f\u0648\u0627\u0621", "\u200f", "\u2067", "\u2069"]
SIZE = 1_000_000     # the file limit: no example is longer


def _repeat(text: str, times: int, size: int = SIZE) -> str:
    """`text` `times` over, but never (much) past `size` characters: made whole, a repeat of a
    repeat can be gigabytes."""
    return text * min(times, size // max(1, len(text)) + 1)


# Strategies draw small recipes, and build() makes the Markdown from them in the test: Hypothesis
# keeps what it draws, and keeping 10,000 documents of up to 1,000,000 characters took 19 GB.

# A mark, or a few, repeated: long runs are where the parser backtracks.
RUN = st.tuples(st.lists(st.sampled_from(UNITS), min_size=1, max_size=6), st.integers(1, 3000))
INLINE = st.tuples(st.just("inline"), st.lists(RUN, min_size=1, max_size=4))
LINE = st.tuples(st.just("line"), INLINE)
# Lists, ordered lists and quotes inside each other, up to 400 levels.
NESTED = st.tuples(st.just("nested"), st.integers(1, 400),
                   st.sampled_from(["list", "ordered", "quote", "quote-list", "one-line"]), LINE)
TABLE = st.tuples(st.just("table"), st.integers(1, 30), LINE, st.integers(1, 3000))
HEADING = st.tuples(st.just("heading"), LINE)
HTML = st.tuples(st.just("html"), st.sampled_from(["<div>", "<p>", "<span>", "<blockquote>", "<!--"]),
                 st.integers(1, 2000), INLINE)
BLOCK = st.one_of(INLINE, HEADING, NESTED, TABLE, HTML)
# A few blocks, the whole repeated up to 2,000 times (cut at the file limit).
DOCUMENT = st.tuples(st.lists(BLOCK, min_size=1, max_size=6),
                     st.one_of(st.just(1), st.integers(1, 2000)))


def build(recipe) -> str:
    kind = recipe[0]
    if kind == "inline":
        return "".join(_repeat("".join(units), times, size=20_000) for units, times in recipe[1])
    if kind == "line":
        return build(recipe[1]).replace("\n", " ")[:2_000]
    if kind == "heading":
        return "### " + build(recipe[1])
    if kind == "html":
        _, tag, times, inline = recipe
        return _repeat(tag + "\n", times) + build(inline)
    if kind == "table":
        _, columns, cell, rows = recipe
        row = "| " + " | ".join([build(cell)[:40] or "x"] * columns) + " |\n"
        return row + "|" + "---|" * columns + "\n" + _repeat(row, rows)
    _, depth, how, line = recipe
    text = build(line)
    if how == "list":
        return "".join("    " * i + "- " + text + "\n" for i in range(depth))
    if how == "ordered":
        return "".join("    " * i + "1. " + text + "\n" for i in range(depth))
    if how == "quote":
        return "".join("> " * (i + 1) + text + "\n" for i in range(depth))
    if how == "quote-list":
        return "> - " * depth + text + "\n"
    return "- " * depth + text + "\n"


def document(recipe) -> str:
    blocks, times = recipe
    return _repeat("\n\n".join(build(block) for block in blocks), times)[:SIZE]


class Log:
    """Every example's time and outcome, for the summary."""

    def __init__(self):
        self.runs: list[tuple[float, str, int, str]] = []

    def add(self, seconds: float, outcome: str, source: str) -> None:
        self.runs.append((seconds, outcome, len(source), repr(source[:120])))


@pytest.fixture(scope="module")
def log() -> Log:
    return Log()


@pytest.fixture(scope="module", autouse=True)
def default_budget():
    guard.set_time_limit(BUDGET_S)


def _convert(source: str, inline: bool) -> tuple[str, Problems, float]:
    problems = Problems()
    render = markup.render_inline if inline else markup.render_block
    started = time.monotonic()
    done = guard.convert(render, source, Path("content/x/what-it-is.md"), BODY_LINE, True, problems)
    seconds = time.monotonic() - started
    if done is None:
        return "refused", problems, seconds
    return "page", problems, seconds


@pytest.mark.timeout(3 * 3600 if SEARCHING else 600)
@settings(FUZZ, max_examples=EXAMPLES)
@given(recipe=DOCUMENT, inline=st.booleans())
def test_nested_and_repetitive_markdown_ends_in_a_page_or_a_located_problem(log: Log, recipe, inline: bool):
    source = document(recipe)
    outcome, problems, seconds = _convert(source, inline)
    log.add(seconds, outcome, source)
    assert seconds < BUDGET_S + MARGIN_S, f"{seconds:.2f} s"
    if outcome == "refused":
        assert problems.errors, "refused without a problem"
        last = BODY_LINE + source.count("\n")
        for p in problems.errors:
            assert p.line is not None and BODY_LINE <= p.line <= last, p
            assert p.message.strip() and "Traceback" not in p.message


@pytest.fixture(scope="module")
def section(tmp_path_factory) -> Path:
    return first_condition(copy_content(tmp_path_factory.mktemp("fuzz-cli"))) / "what-it-is.md"


@settings(FUZZ, max_examples=CLI_EXAMPLES)
@given(recipe=DOCUMENT)
def test_nested_and_repetitive_markdown_through_the_command_line(log: Log, section: Path, recipe):
    source = document(recipe)
    original = section.read_text(encoding="utf-8")
    head = original.split("\n---\n", 1)[0] + "\n---\n"
    section.write_text(head + source, encoding="utf-8")
    try:
        started = time.monotonic()
        result = run_cli("check", "--content", str(section.parent.parent), timeout=BUDGET_S + 60)
        seconds = time.monotonic() - started
    finally:
        section.write_text(original, encoding="utf-8")
    log.add(seconds, f"cli exit {result.returncode}", source)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-2000:]
    assert seconds < BUDGET_S + CLI_MARGIN_S, f"{seconds:.2f} s"
    if result.returncode == 1:
        assert any(line.startswith(str(section.parent.parent)) for line in result.stderr.splitlines()), \
            result.stderr[-2000:]


def test_fuzzing_ran_every_example_and_reports_the_slowest(log: Log, capsys):
    """Runs after the two tests above (file order): proves they ran, and shows the slowest."""
    in_process = [r for r in log.runs if not r[1].startswith("cli")]
    with capsys.disabled():
        print(f"\nfuzz-markdown: {len(in_process)} in-process examples "
              f"({sum(r[1] == 'page' for r in in_process)} pages, {sum(r[1] == 'refused' for r in in_process)} "
              f"refused), {len(log.runs) - len(in_process)} through the command line; slowest:")
        for seconds, outcome, size, start in sorted(log.runs, reverse=True)[:5]:
            print(f"  {seconds:.2f} s  {outcome}  {size:,} chars  {start}")
    assert len(in_process) >= EXAMPLES
    assert len(log.runs) - len(in_process) >= CLI_EXAMPLES
    assert {"page", "refused"} <= {r[1] for r in in_process}
