"""Command-line entry: `build`, `serve`, `check`, `new`. Thin: the work is in the stage modules."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .errors import BuildError
from .pipeline import Project, build

ROOT = Path(__file__).resolve().parent.parent


def _report(problems, stream=sys.stderr) -> None:
    for p in problems:
        print(p, file=stream)


def cmd_build(args) -> int:
    project = Project.at(ROOT, Path(args.content) if args.content else None,
                         Path(args.templates) if args.templates else None)
    started = time.perf_counter()
    try:
        result = build(project, Path(args.out))
    except BuildError as exc:
        _report(exc.problems)
        errors = sum(p.is_error for p in exc.problems)
        print(f"Build failed: {errors} problem(s). The site in '{args.out}' was not changed.", file=sys.stderr)
        return 1
    _report(result.problems.sorted())
    elapsed = time.perf_counter() - started
    index = (Path(args.out) / "index.html").absolute()
    print(f"Built {len(result.library.conditions)} condition(s), {result.files} files in {elapsed:.2f} s.")
    print(f"Open {index}")
    return 0


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="build.py", description="Build the health library website.")
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the site from content/ into site/")
    b.add_argument("--out", default=str(ROOT / "site"), help="output folder (default: site/)")
    b.add_argument("--content", default=None, help="content folder (default: content/)")
    b.add_argument("--templates", default=None, help="templates folder (default: templates/)")
    b.set_defaults(func=cmd_build)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
