"""Fuzzing the content: random and mutated YAML and Markdown files must each give either a
built site or a clean error that names a file in the content folder, with a message (and a
line, for a problem inside a file). Any other exception is a bug.

The pipeline runs in-process (load, render, add to a Writer; nothing is written) for speed.
Examples are derandomized so CI runs the same ones every time; the counts are printed and
checked, so a run that silently tried nothing fails."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from healthlib.errors import BuildError
from healthlib.pipeline import Project, gather, site_files
from healthlib.output.write import Writer
from contentkit import copy_content
from sitecopy import REPO_ROOT

MUTATION_EXAMPLES = 350
SHAPE_EXAMPLES = 150
# No shrinking: it can take minutes; the failing example is printed as it was found.
FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Characters and fragments that mean something to YAML, front matter, Markdown or HTML.
SPECIAL = list(":-#&*!|>'\"{}[]%@`,?\t\r\n\\/=<>~") + [
    "---", "...", "- ", ": ", "  ", "\ufeff", "\r\n", "!!python/object/apply:os.system ['true']", "&a ", "*a",
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "[link](javascript:alert(1))", "{{ x }}",
    "{% if %}", "# ", "### ", "title: ", "- id: x", "urgency: urgent", "question: Why?", "\x00", "\x85", "\u2028",
]
TEXT = st.lists(st.sampled_from(SPECIAL) | st.text(max_size=8), max_size=6).map("".join)
# Names from docs/content-format.md, so random settings are often ones the validator knows.
KEYS = ["title", "other_names", "summary", "key_points", "last_reviewed", "next_review_due", "sources",
        "publisher", "url", "accessed", "lists", "id", "heading", "items", "cards", "urgency", "closing",
        "question", "answer", "term", "forms", "means"]
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.dates()
           | st.datetimes(min_value=dt.datetime(1900, 1, 1)) | TEXT | st.sampled_from(["", "https://x.org/", "2027-01-31"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=6)
                      | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=6),
                      max_leaves=24)


class Fuzzed:
    """A content copy; each example changes one file, runs the pipeline, puts the file back."""

    def __init__(self, root: Path):
        self.content = copy_content(root)
        self.out = root / "site"
        self.project = Project.at(REPO_ROOT, self.content)
        self.files = sorted(p for p in self.content.rglob("*") if p.is_file())
        self.outcomes: Counter[str] = Counter()

    def run(self, path: Path, data: bytes) -> None:
        original = path.read_bytes()
        path.write_bytes(data)
        try:
            self.outcomes[self._outcome()] += 1
        finally:
            path.write_bytes(original)

    def _outcome(self) -> str:
        try:
            gathered = gather(self.project)
            if gathered.problems.errors:
                raise BuildError(gathered.problems.items)
            Writer(self.out).add_all((path, data) for path, data, _ in site_files(gathered))
        except BuildError as exc:
            self._assert_located(exc)
            return "refused"
        return "built"

    def _assert_located(self, exc: BuildError) -> None:
        assert exc.problems, "BuildError with no problem in it"
        for p in exc.problems:
            assert p.message.strip(), p
            path = Path(p.path)
            assert path.is_absolute() and path.is_relative_to(self.content), f"not a content file: {p}"
            if p.is_error and path.is_file():
                lines = len(re.split(rb"\r\n|\r|\n", path.read_bytes()))
                assert p.line is not None and 1 <= p.line <= lines, f"no line, or a wrong one: {p}"


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> Fuzzed:
    return Fuzzed(tmp_path_factory.mktemp("fuzz"))


def _mutate(data: bytes, draw) -> bytes:
    """One to four edits: insert, delete or replace a span, or duplicate, drop or swap lines."""
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "dup", "drop", "swap", "bytes"]))
        at = draw(st.integers(0, len(data)))
        if op in ("insert", "replace", "delete"):
            end = at if op == "insert" else min(len(data), at + draw(st.integers(1, 80)))
            data = data[:at] + (b"" if op == "delete" else draw(TEXT).encode()) + data[end:]
        elif op == "bytes":
            data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
        else:
            lines = data.split(b"\n")
            i, j = (draw(st.integers(0, len(lines) - 1)) for _ in range(2))
            if op == "dup":
                lines.insert(i, lines[i])
            elif op == "drop" and len(lines) > 1:
                del lines[i]
            else:
                lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
    return data


@settings(FUZZ, max_examples=MUTATION_EXAMPLES)
@given(data=st.data())
def test_mutated_content_files_build_or_fail_with_a_location(fuzzed: Fuzzed, data):
    path = data.draw(st.sampled_from(fuzzed.files), label="file")
    fuzzed.run(path, _mutate(path.read_bytes(), data.draw))


def _reshape(value, draw):
    """The file's own data with one value replaced by a random one, removed, or added beside it."""
    if isinstance(value, (dict, list)) and value and draw(st.booleans()):
        keys = list(value) if isinstance(value, dict) else list(range(len(value)))
        key = draw(st.sampled_from(keys))
        value = dict(value) if isinstance(value, dict) else list(value)
        value[key] = _reshape(value[key], draw)
        return value
    how = draw(st.sampled_from(["replace", "remove", "add"]))
    if how == "remove" and isinstance(value, dict) and value:
        return {k: v for k, v in value.items() if k != draw(st.sampled_from(list(value)))}
    if how == "add" and isinstance(value, dict):
        return {**value, draw(st.sampled_from(KEYS)): draw(VALUES)}
    if how == "add" and isinstance(value, list):
        return [*value, draw(VALUES)]
    return draw(VALUES)


def _yaml(value, draw) -> str:
    return yaml.safe_dump(value, allow_unicode=draw(st.booleans()), sort_keys=False,
                          default_flow_style=draw(st.sampled_from([False, None, True])))


@settings(FUZZ, max_examples=SHAPE_EXAMPLES)
@given(data=st.data())
def test_content_of_the_wrong_shape_builds_or_fails_with_a_location(fuzzed: Fuzzed, data):
    """Structure-aware: valid YAML whose values have the wrong type, are missing or unexpected."""
    path = data.draw(st.sampled_from([p for p in fuzzed.files if p.suffix in (".yaml", ".md")]), label="file")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        _, meta, body = text.split("---\n", 2)
        new = f"---\n{_yaml(_reshape(yaml.safe_load(meta), data.draw), data.draw)}---\n{body}"
    else:
        new = _yaml(_reshape(yaml.safe_load(text), data.draw), data.draw)
    fuzzed.run(path, new.encode())


def test_fuzzing_ran_every_example_and_saw_both_outcomes(fuzzed: Fuzzed, capsys):
    """Runs after the two fuzz tests (file order): proves they ran and reached both outcomes."""
    total = sum(fuzzed.outcomes.values())
    with capsys.disabled():
        print(f"\nfuzz: {total} examples: {fuzzed.outcomes['built']} built, "
              f"{fuzzed.outcomes['refused']} refused with a located error")
    assert total >= MUTATION_EXAMPLES + SHAPE_EXAMPLES
    assert fuzzed.outcomes["built"] and fuzzed.outcomes["refused"]
