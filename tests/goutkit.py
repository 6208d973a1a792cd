"""The gout test library (tests/fixtures/gout: test data, not published content): a second
condition whose care levels (its site.yaml defines its own), lists and sheet differ from the
bundled calciphylaxis, in a project copy that runs the real `build.py` with that site.yaml."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOUT = Path(__file__).parent / "fixtures" / "gout"
SLUG = "gout"


def gout_project(root: Path) -> Path:
    """build.py, healthlib, templates and static of this checkout, and the gout library (its
    site.yaml and content, with the bundled editorial pages) in `root`; returns `root`."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "build.py", root / "build.py")
    for name in ("healthlib", "templates", "static"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(GOUT / "site.yaml", root / "site.yaml")
    shutil.copytree(GOUT / "content", root / "content")
    shutil.copytree(REPO / "content" / "_pages", root / "content" / "_pages")
    return root


def cli(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python build.py ARGS` in the project copy, as an editor runs it."""
    return subprocess.run([sys.executable, "build.py", *args], cwd=root, capture_output=True, text=True,
                          timeout=timeout)


def add_items(section: Path, count: int, first_list: bool = True) -> None:
    """Give the section file's first list `count` more items, each long enough to wrap."""
    text = section.read_text(encoding="utf-8")
    first = re.search(r"(?m)^( *)- (?!id: )(.+)$", text)
    added = "".join(f"\n{first.group(1)}- Added sign number {n}, written long enough to need a second line "
                    "on the printed sheet" for n in range(1, count + 1))
    section.write_text(text[:first.end()] + added + text[first.end():], encoding="utf-8")
