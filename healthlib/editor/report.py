"""`build.py check --format github|html`: the check's problems for other readers than a terminal.

github: one GitHub Actions workflow command a problem, so a pull request shows each on the line
it names (docs.github.com, "Workflow commands for GitHub Actions": `::error file={name},
line={line}::{message}`, escaped as actions/toolkit's escapeProperty and escapeData do).
html: the editors' dashboard (dashboard.py), written to --output or printed.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import Problem
from ..util.atomic import atomic_write

FORMATS = ("github", "html")


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(problem: Problem) -> str:
    properties = [f"file={escape_property(problem.path)}"]
    if problem.line:
        properties.append(f"line={problem.line}")
    kind = "error" if problem.is_error else "warning"
    return f"::{kind} {','.join(properties)}::{escape_data(problem.message)}"


def emit(report, project, args, verdict: str) -> bool:
    """Print or write the report in args.format; `verdict` (the text format's last line) goes to
    stderr. False when the --output file could not be written (said why)."""
    if args.format == "github":
        for problem in report.final(args.strict):
            print(github_command(problem))
    else:
        from . import dashboard
        page = dashboard.page(report, project, args.today, strict=args.strict, pdfs=args.pdf)
        if args.output:
            try:
                atomic_write(Path(args.output).absolute(), page.encode("utf-8"))
            except OSError as exc:
                print(f"error: cannot write the dashboard to {args.output} ({exc.strerror}). Name a file in a "
                      "folder that exists and that you may write to.", file=sys.stderr)
                return False
            print(f"Wrote the editors' dashboard to {args.output}.", file=sys.stderr)
        else:
            print(page)
    print(verdict, file=sys.stderr)
    return True
