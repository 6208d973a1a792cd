"""Helpers for tests that build from a throw-away copy of the content (made with
contentkit.copy_content): editing one line of a file, running the real command line, and
fingerprinting a built site."""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from healthlib.cli import parser
from healthlib.content.load import condition_folders

REPO_ROOT = Path(__file__).resolve().parent.parent
# PDFs are slow to make and have their own tests; these tests are about everything else.
BUILD_FLAGS = ("--no-pdf",)


def copy_code(root: Path) -> Path:
    """A new project folder `root` with build.py and what it runs from (healthlib, templates, static, locales)."""
    root.mkdir()
    shutil.copy(REPO_ROOT / "build.py", root / "build.py")
    for name in ("healthlib", "templates", "static", "locales"):
        if (REPO_ROOT / name).is_dir():
            shutil.copytree(REPO_ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def cli_commands() -> set[str]:
    for action in parser()._actions:  # noqa: SLF001 - argparse keeps sub-commands only here
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            return set(action.choices)
    return set()


# The commands that read content: `check` validates without writing and is tested wherever it exists.
COMMANDS = ["build"] + (["check"] if "check" in cli_commands() else [])


def first_condition(content: Path) -> Path:
    """The first condition folder (the tests need one whole condition, not a particular one)."""
    return condition_folders(content)[0]


def run_cli(*args: str, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python build.py ARGS` from the repository root, as an editor runs it (`env`: its environment)."""
    return subprocess.run([sys.executable, "build.py", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env)


def build_cmd(content: Path, out: Path, *extra: str) -> list[str]:
    return ["build", "--content", str(content), "--out", str(out), *BUILD_FLAGS, *extra]


def site_digest(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones too) -> sha256 of its bytes; {} if it is missing."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit_line(path: Path, starts: str, change: Callable[[str], str | None], nth: int = 1) -> int:
    """Replace the `nth` line that starts with `starts` by change(line) (None deletes it);
    returns that line's number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    hits = [i for i, line in enumerate(lines) if line.startswith(starts)]
    assert len(hits) >= nth, f"{path} has fewer than {nth} lines starting with {starts!r}"
    i = hits[nth - 1]
    new = change(lines[i])
    lines[i:i + 1] = [] if new is None else [new]
    path.write_text("\n".join(lines), encoding="utf-8")
    return i + 1


def add_lines(path: Path, text: str) -> int:
    """Append `text` on new lines at the end of the file; returns the number of its first line."""
    old = path.read_text(encoding="utf-8")
    if not old.endswith("\n"):
        old += "\n"
    path.write_text(old + text, encoding="utf-8")
    return old.count("\n") + 1
