"""Worst-case build time of one hostile 1,000,000-byte section (issue 20), through the real CLI.

Each shape fills the body of one section of a copy of the bundled content with a pattern that is
slow or deep for Python-Markdown, just under the file limit, then times `build.py check` and
`build.py build` on it (a run still going after --timeout seconds is stopped and shown as '>').

    .venv/bin/python bench/hostile.py [--root DIR] [--timeout 120] [--shapes a,b] [--no-check]

--root: the checkout whose build.py is timed (an older commit unpacked elsewhere, to compare).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SIZE = 1_000_000


def _fill(unit: str, room: int) -> str:
    return unit * (room // len(unit))


def _nested(room: int) -> str:
    lines, depth = [], 0
    while sum(map(len, lines)) < room - 8 * depth - 400:
        lines.append("    " * depth + "- item\n")
        depth += 1
    return "".join(lines)


# name -> the body for `room` characters
SHAPES = {
    "unclosed-brackets": lambda room: _fill("[", room),
    "unclosed-link-openers": lambda room: _fill("[a](", room),
    "reference-openers": lambda room: _fill("[a][", room),
    "emphasis-one-paragraph": lambda room: _fill("*a* ", room),
    "code-spans-one-paragraph": lambda room: _fill("`a` ", room),
    "stars": lambda room: _fill("*", room),
    "underscores": lambda room: _fill("_a", room),
    "html-fragments": lambda room: _fill("<b>a</b> ", room),
    "list-of-one-word-items": lambda room: _fill("- word\n", room),
    "short-paragraphs": lambda room: _fill("a *b* c\n\n", room),
    "nested-list": _nested,
    "nested-quotes": lambda room: _fill("> ", room) + "x\n",
    "one-long-line": lambda room: _fill("word ", room),
    # Under every Markdown limit: the plain text path, then check's readability and glossary passes.
    "plain-paragraphs-under-the-limits": lambda room: _fill("word " * 1_990 + "\n\n", room),
    # The slowest we found under the limits: the most links allowed, then long plain paragraphs.
    "links-under-the-limits": lambda room: ("[a](b) " * 999 + " word" * 500 + "\n\n") * 5
    + _fill("word " * 1_900 + "\n\n", room - 5 * 9_500),
    "table": lambda room: "| a | b |\n|---|---|\n" + _fill("| *x* | [y](z) |\n", room - 40),
}


def make_content(work: Path, shape: str) -> Path:
    content = work / "content"
    shutil.copytree(REPO / "content", content)
    section = sorted(p for p in content.iterdir() if p.is_dir())[0] / "what-it-is.md"
    head = section.read_text(encoding="utf-8").split("\n---\n", 1)[0] + "\n---\n"
    body = SHAPES[shape](SIZE - len(head.encode()) - 2)
    section.write_text(head + body, encoding="utf-8")
    assert section.stat().st_size <= SIZE, section.stat().st_size
    return content


def timed(root: Path, args: list[str], timeout: float) -> tuple[str, int | None, str]:
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "build.py", *args], cwd=root, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f">{timeout:.0f}", None, ""
    lines = done.stderr.strip().splitlines() or [""]
    first = next((line for line in lines if "what-it-is.md" in line), lines[-1])
    return f"{time.perf_counter() - started:.2f}", done.returncode, first


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=REPO)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--no-check", dest="check", action="store_false", help="time `build` only")
    args = ap.parse_args()
    print("| shape | check s | build s | exit | first message |\n|---|---|---|---|---|", flush=True)
    for shape in args.shapes.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            content = make_content(work, shape)
            check = (timed(args.root, ["check", "--content", str(content)], args.timeout) if args.check
                     else ("-", None, ""))
            build = timed(args.root, ["build", "--no-pdf", "--no-cache", "--content", str(content),
                                      "--out", str(work / "site")], args.timeout)
        message = (build[2] or check[2]).replace("|", "\\|")[:160]
        print(f"| {shape} | {check[0]} | {build[0]} | {build[1]} | {message} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
