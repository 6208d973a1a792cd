"""The commands work as the docs give them: `python3 build.py ...` from the system's Python
(without the generator's packages) runs itself in the project's `.venv/`, or, before `make
build` made one, says to run `make build`, never with a traceback; the docs and the scaffold's
output give one command for each job."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from contentkit import copy_tiny_library
from sitecopy import REPO_ROOT, copy_code, run_cli

SYSTEM_PYTHON = Path("/usr/bin/python3")
# -S: no site-packages, so the system's Python has none of our packages even where it could.
pytestmark = pytest.mark.skipif(not SYSTEM_PYTHON.is_file(), reason="no system Python at /usr/bin/python3")


def project_copy(root: Path, venv: bool) -> Path:
    """build.py, healthlib and what it reads in `root`, with `.venv` the venv these tests run in, or none."""
    copy_code(root)
    if venv:
        (root / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return root


def system_python(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SYSTEM_PYTHON), "-S", "build.py", *args], cwd=root, capture_output=True, text=True,
                          timeout=120)


def test_build_py_from_the_system_python_runs_itself_in_the_venv(tmp_path):
    assert sys.prefix != sys.base_prefix, "these tests run in the project's venv"
    root = project_copy(tmp_path / "project", venv=True)
    lib = copy_tiny_library(tmp_path)
    proc = system_python(root, "new", "kidney-stones", "--content", str(lib / "content"))
    assert proc.returncode == 0, proc.stderr
    assert (lib / "content" / "kidney-stones" / "condition.yaml").is_file()
    checked = system_python(root, "check", "--content", str(lib / "content"))
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert "content/kidney-stones/condition.yaml:" in checked.stderr and "'title' is empty" in checked.stderr


def test_build_py_without_a_venv_says_to_run_make_build_first_without_a_traceback(tmp_path):
    root = project_copy(tmp_path / "project", venv=False)
    proc = system_python(root, "check")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: build.py needs the package '")
    assert "Run 'make build' once in" in proc.stderr and "(there is no .venv/ yet)" in proc.stderr


def test_a_venv_without_the_packages_says_so_once_and_does_not_loop(tmp_path):
    root = project_copy(tmp_path / "project", venv=False)
    subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", "--without-pip", str(root / ".venv")], check=True, timeout=120)
    proc = system_python(root, "check")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "which is not installed in .venv/" in proc.stderr and proc.stderr.count("error:") == 1


# ------------------------------------------------------------------ one command for each job

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


def test_docs_give_build_py_as_python3_build_py_only():
    """One way to write it: `python3 build.py` (runs in .venv by itself), never `python build.py`
    (no `python` on Debian) or `.venv/bin/python build.py`."""
    for doc in DOCS:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            for found in re.finditer(r"(\S*)\s+build\.py\s+(?:build|check|serve|new)\b", line):
                assert found.group(1).strip("`'\"$ ") == "python3", f"{doc.name}:{number}: {line.strip()}"


def test_the_scaffold_output_names_make_check_and_make_serve_for_what_comes_next(tmp_path):
    lib = copy_tiny_library(tmp_path)
    proc = run_cli("new", "kidney-stones", "--content", str(lib / "content"))
    assert proc.returncode == 0, proc.stderr
    assert "'make check'" in proc.stdout and "'make serve'" in proc.stdout and "status: draft" in proc.stdout
    assert "build.py" not in proc.stdout
    comments = (lib / "content" / "kidney-stones" / "condition.yaml").read_text(encoding="utf-8")
    assert "#     make check\n" in comments and "build.py" not in comments


def test_view_without_a_built_site_says_to_run_make_build_first(tmp_path):
    proc = run_cli("view", "--out", str(tmp_path / "nothing-built"), "--port", "0")
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    assert f"error: there is no built site in {tmp_path / 'nothing-built'}. Run 'make build' first." in proc.stderr
