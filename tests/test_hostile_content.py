"""Hostile content can't hang, crash or disguise the build (issue 20).

Through the real command line (`build` and `check`, and `serve` where it differs): Markdown made
to be slow or deep, a file over its time budget (in worker processes too), and text-direction
overrides. Each case must exit non-zero with `path:line: message` and a how-to-fix, print no
traceback, leave the previous site byte-for-byte as it was, and end within the time budget plus
a margin (before these limits, the 1,000,000-byte cases ran for minutes: bench/hostile.py).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from contentkit import add_condition, copy_content
from healthlib.content import guard
from healthlib.content.load import load_condition
from healthlib.errors import Problems
from healthlib.text import markup
from servekit import Server
from sitecopy import COMMANDS, REPO_ROOT, add_lines, build_cmd, edit_line, first_condition, run_cli, site_digest

# Python's start, reading a 1,000,000-byte file and the pre-checks, on a busy machine.
MARGIN_S = 20
Where = tuple[Path, int]


def _section(content: Path, name: str = "what-it-is.md") -> Path:
    return first_condition(content) / name


def _body(make: Callable[[], str], bad_line: Callable[[str], int] = lambda body: 0) -> Callable[[Path], Where]:
    """Replace a section's Markdown body with make(); the error is on the body's line
    bad_line(body) (0: its first line)."""
    def spoil(content: Path) -> Where:
        path = _section(content)
        head = path.read_text(encoding="utf-8").split("\n---\n", 1)[0] + "\n---\n"
        body = make()
        path.write_text(head + body, encoding="utf-8")
        assert path.stat().st_size <= 1_000_000
        return path, head.count("\n") + 1 + bad_line(body)
    return spoil


def _fill(unit: str, size: int = 990_000) -> str:
    return unit * (size // len(unit))


def _nested_list(depth: int) -> str:
    return "".join("    " * level + "- item\n" for level in range(depth))


def _faq_answer(answer: str) -> Callable[[Path], Where]:
    def spoil(content: Path) -> Where:
        path = first_condition(content) / "faq.yaml"
        return path, edit_line(path, "  answer:", lambda _: "  answer: |\n" + "".join(
            f"    {line}\n" for line in answer.splitlines()).rstrip("\n"))
    return spoil


def _append_to(name: str, text: str) -> Callable[[Path], Where]:
    def spoil(content: Path) -> Where:
        path = _section(content, name) if name.endswith(".md") else first_condition(content) / name
        return path, add_lines(path, text)
    return spoil


def _edit(file: Callable[[Path], Path], starts: str, change) -> Callable[[Path], Where]:
    def spoil(content: Path) -> Where:
        path = file(content)
        return path, edit_line(path, starts, change)
    return spoil


RLO, PDF, LRE = "\u202e", "\u202c", "\u202a"
TROJAN = f"Call {RLO}ecivres ycnegreme{PDF} now."

# (id, spoil, words the message must have)
CASES = [
    ("unclosed-brackets-in-a-1mb-line", _body(lambda: _fill("[")), "the limit is 10,000"),
    ("unclosed-brackets", _body(lambda: "Intro.\n\n" + "[" * 9_000, lambda body: 2), "never closed with ']'"),
    ("unclosed-link-addresses", _body(lambda: "[a](" * 2_000), "never closed with ']' or ')'"),
    ("emphasis-markers-in-one-paragraph", _body(lambda: "*a " * 3_000), "formatting symbols"),
    ("formatting-in-a-1mb-section", _body(lambda: _fill("*a* " * 200 + "\n\n"), lambda body: 2 * 12),
     "by this paragraph the text has"),
    ("html-fragments-in-a-1mb-section", _body(lambda: _fill("<b>a</b> " * 100 + "\n\n"), lambda body: 2 * 25),
     "by this paragraph the text has"),
    ("list-nested-300-deep", _body(lambda: _nested_list(300), lambda body: guard.MAX_NESTING),
     "nested more than 20 levels"),
    ("quotes-nested-300-deep", _body(lambda: "> " * 300 + "x\n"), "Use at most a few levels"),
    ("list-of-a-million-bytes", _body(lambda: _fill("- item\n"), lambda body: guard.MAX_LINES),
     "more than 2,000 lines"),
    ("faq-answer-nested-300-deep", _faq_answer(_nested_list(300)), "nested more than 20 levels"),
    ("right-to-left-override-in-markdown", _append_to("what-it-is.md", TROJAN), "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("embedding-in-yaml", _edit(lambda c: first_condition(c) / "condition.yaml", "title:",
                                lambda s: s + f" {LRE}x{PDF}"), "U+202A LEFT-TO-RIGHT EMBEDDING"),
    ("override-as-yaml-escape", _edit(lambda c: first_condition(c) / "condition.yaml", "title:",
                                      lambda s: 'title: "Calc \\u202Eixa"'), "written as '\\u202E'"),
    ("override-as-html-reference", _append_to("what-it-is.md", "Call &#x202E;ecivres now."),
     "written as '&#x202E;'"),
    ("pop-formatting-in-glossary", lambda c: (c / "glossary.yaml", edit_line(c / "glossary.yaml", "  means:",
                                                                            lambda s: s + PDF)),
     "U+202C POP DIRECTIONAL FORMATTING"),
]


def _location(path: Path, line: int) -> str:
    return f"{path.as_posix()}:{line}: "


def _assert_refused(result: subprocess.CompletedProcess, where: str, says: str, seconds: float, bound: float):
    output = result.stdout + result.stderr
    assert result.returncode == 1, f"exit code {result.returncode}:\n{output[-3000:]}"
    assert "Traceback" not in output, output[-3000:]
    located = [line for line in output.splitlines() if line.startswith(where)]
    assert located, f"no problem at {where!r}:\n{output[-3000:]}"
    assert any(says in line for line in located), f"{where!r} does not say {says!r}:\n{located}"
    assert seconds < bound, f"took {seconds:.1f} s, more than {bound:.1f} s"


@pytest.fixture(scope="module")
def old_site(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("old")
    out = work / "site"
    result = run_cli(*build_cmd(copy_content(work), out))
    assert result.returncode == 0, result.stderr
    return out


def _command(command: str, content: Path, site: Path) -> list[str]:
    return ["check", "--content", str(content)] if command == "check" else build_cmd(content, site)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_content_is_refused_quickly_with_its_location(case, command: str, tmp_path: Path, old_site: Path):
    _, spoil, says = case
    content = copy_content(tmp_path)
    site = tmp_path / "site"
    shutil.copytree(old_site, site)
    path, line = spoil(content)
    before = site_digest(site)
    started = time.monotonic()
    result = run_cli(*_command(command, content, site), timeout=300)
    _assert_refused(result, _location(path, line), says, time.monotonic() - started,
                    guard.DEFAULT_TIME_LIMIT + MARGIN_S)
    assert site_digest(site) == before, "the previous site was changed"


def test_isolates_and_marks_for_right_to_left_text_are_kept(tmp_path: Path):
    content = copy_content(tmp_path)
    text = "Arabic: \u2067\u062f\u0648\u0627\u0621\u2069, a mark \u200f and \u200e, and \u2066x\u2068y\u2069\u2069."
    add_lines(_section(content), text)
    out = tmp_path / "site"
    result = run_cli(*build_cmd(content, out))
    assert result.returncode == 0, result.stderr
    page = (out / first_condition(content).name / "index.html").read_text(encoding="utf-8")
    assert text in page


# ---------------------------------------------------------------- the time budget


SLOW_BUT_WITHIN_LIMITS = 0.1     # seconds: the budget the project copies below set in site.yaml


def _slow_body() -> str:
    """Markdown under every limit above that takes Python-Markdown about a second: five paragraphs
    with the most links allowed, and long plain ones."""
    links = "[a](b) " * (guard.MAX_MARKS - 1) + " word" * 500
    return (links + "\n\n") * 5 + ("word " * 1_900 + "\n\n") * 90


def _project_copy(root: Path, conditions: int = 1, budget: float = SLOW_BUT_WITHIN_LIMITS) -> Path:
    """build.py, healthlib, templates, static and content in `root`, with `budget` in its site.yaml."""
    shutil.copy(REPO_ROOT / "build.py", root / "build.py")
    for name in ("healthlib", "templates", "static"):
        shutil.copytree(REPO_ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    site_yaml = (REPO_ROOT / "site.yaml").read_text(encoding="utf-8")
    (root / "site.yaml").write_text(site_yaml + f"markdown_time_limit: {budget}\n", encoding="utf-8")
    content = copy_content(root)
    for i in range(1, conditions):
        add_condition(content, f"condition-{i:03d}", f"Condition {i:03d}")
    return root


def _cli_in(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "build.py", *args], cwd=root, capture_output=True, text=True,
                          timeout=300)


def _children_of_build(root: Path) -> list[int]:
    """Processes still running whose command line names this project copy (a lost worker)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if str(root).encode() in cmdline and b"build.py" in cmdline:
            found.append(int(pid))
    return found


@pytest.mark.parametrize("command,conditions", [("build", 1), ("check", 1), ("build", 60)],
                         ids=["build", "check", "build-in-worker-processes"])
def test_markdown_over_its_time_budget_is_stopped_with_its_file(command: str, conditions: int, tmp_path: Path):
    root = _project_copy(tmp_path, conditions)
    content, site = root / "content", root / "site"
    jobs = ("--jobs", "2") if conditions > 1 else ()
    first = _cli_in(root, "build", "--no-pdf", "--content", str(content), "--out", str(site), *jobs)
    assert first.returncode == 0, first.stderr
    before = site_digest(site)
    path, line = _body(_slow_body)(content)
    args = ["check", "--content", str(content)] if command == "check" else \
        ["build", "--no-pdf", "--content", str(content), "--out", str(site), *jobs]
    started = time.monotonic()
    result = _cli_in(root, *args)
    _assert_refused(result, _location(path.relative_to(root), line), "took more than 0.1 seconds",
                    time.monotonic() - started,
                    SLOW_BUT_WITHIN_LIMITS + MARGIN_S)
    assert site_digest(site) == before, "the previous site was changed"
    assert not list(root.glob(".site-new*")), "the build left a half-made site"
    assert _children_of_build(root) == [], "a worker process was left running"


def test_the_slow_markdown_is_under_every_limit():
    """So the cases above are stopped by the budget their site.yaml sets, not by a limit."""
    assert guard.too_costly(_slow_body()) is None


def test_serve_shows_hostile_and_over_budget_content_as_located_problems(tmp_path: Path):
    root = _project_copy(tmp_path)
    content = root / "content"
    path, line = _body(_slow_body)(content)
    nested, nested_line = _faq_answer(_nested_list(300))(content)
    server = Server(content, tmp_path / "preview", root=root, timeout=120)
    try:
        server.wait_for("Not shown: ", timeout=60)     # the condition is set aside, with its problems
    finally:
        server.stop()
    output = "\n".join(server.lines)
    assert "Traceback" not in output, output
    over, deep = _location(path.relative_to(root), line), _location(nested.relative_to(root), nested_line)
    assert any(s.startswith(over) and "took more than 0.1 seconds" in s for s in server.lines), output
    assert any(s.startswith(deep) and "nested more than" in s for s in server.lines), output


def test_time_limit_setting_is_checked_with_its_line(tmp_path: Path):
    root = _project_copy(tmp_path, budget=0)
    result = _cli_in(root, "check", "--content", str(root / "content"))
    line = (root / "site.yaml").read_text(encoding="utf-8").count("\n")
    assert result.returncode == 1
    assert f"site.yaml:{line}: 'markdown_time_limit' must be a number from 0.1 to 600" in result.stderr


def test_override_in_site_settings_is_refused_with_its_line(tmp_path: Path):
    root = _project_copy(tmp_path)
    line = add_lines(root / "site.yaml", f"description: {TROJAN}")
    result = _cli_in(root, "build", "--content", str(root / "content"), "--out", str(root / "site"))
    _assert_refused(result, f"site.yaml:{line}: ", "U+202E RIGHT-TO-LEFT OVERRIDE", 0, 1)


# ---------------------------------------------------------------- crashes inside a library


def _load(content: Path, base: Path) -> Problems:
    """The first condition loaded in this process, as a build's worker does; its problems."""
    problems = Problems(base)
    load_condition(first_condition(content), content, problems)
    return problems


def test_recursion_in_the_markdown_library_is_a_located_problem(tmp_path: Path, monkeypatch):
    """Without the nesting limit, a list 300 deep overflows Python-Markdown's recursion: the
    build reports it at the section's text instead of crashing."""
    monkeypatch.setattr(guard, "too_costly", lambda source: None)
    content = copy_content(tmp_path)
    path, line = _body(lambda: _nested_list(300))(content)
    problems = _load(content, tmp_path)
    assert [str(p) for p in problems.errors] == [
        f"content/{path.parent.name}/{path.name}:{line}: {guard.crash_message(RecursionError())}"]


class FakePanic(BaseException):
    """What a Rust library (nh3) raises when it panics: not an Exception."""


@pytest.mark.parametrize("crash", [MemoryError(), FakePanic("explicit panic"), ValueError("odd input")],
                         ids=["memory-error", "rust-panic", "any-exception"])
def test_any_crash_while_converting_markdown_is_a_located_problem(crash, tmp_path: Path, monkeypatch):
    def crashing(source):
        raise crash
    monkeypatch.setattr(markup, "render_block", crashing)
    content = copy_content(tmp_path)
    path, line = _body(lambda: "Some *text*.\n")(content)
    problems = _load(content, tmp_path)
    located = [p for p in problems.errors if p.path.endswith(path.name) and p.line == line]
    assert located and "Traceback" not in str(located[0]), [str(p) for p in problems.errors]


def test_a_crash_reading_a_yaml_file_is_reported_on_that_file(tmp_path: Path, monkeypatch):
    from healthlib.content import load

    def crashing(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(load, "parse_yaml", crashing)
    content = copy_content(tmp_path)
    problems = _load(content, tmp_path)
    paths = {p.path for p in problems.errors if "ran out of memory" in p.message}
    assert f"content/{first_condition(content).name}/condition.yaml" in paths
