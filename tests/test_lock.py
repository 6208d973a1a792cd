"""Python packages come from a lock of exact versions and hashes (issue 20): CI and `make` install
with `pip install --require-hashes -r requirements-lock.txt`, so a package changed on the index
cannot slip in, and healthlib itself with --no-deps, so nothing else is fetched."""
from __future__ import annotations

import re
import shlex
import subprocess
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOCK = REPO / "requirements-lock.txt"
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def locked() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of every requirement in the lock; fails on anything unpinned."""
    text = re.sub(r"\\\n", " ", LOCK.read_text(encoding="utf-8"))
    out = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement, *options = line.split()
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;=<>!~]+)", requirement)
        assert m, f"not pinned to one version: {line}"
        assert options and all(HASH.fullmatch(o) for o in options), f"not pinned with sha256 hashes: {line}"
        out[_name(m.group(1))] = (m.group(2), options)
    return out


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_requirement_in_the_lock_is_pinned_with_its_hashes():
    assert len(locked()) >= 10


def test_the_lock_has_every_dependency_of_pyproject_at_its_version():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["pdf"],
              *project["optional-dependencies"]["test"]]
    lock = locked()
    for spec in wanted:
        name, version = re.fullmatch(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)", spec).groups()
        assert lock.get(_name(name), ("missing",))[0] == version, f"{spec} is not locked at its version"


def _ci_make_targets() -> list[list[str]]:
    """The `make ...` commands .ci/run runs."""
    commands = []
    for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines():
        words = shlex.split(line.split("#", 1)[0]) if line.strip() else []
        if words[:1] == ["make"]:
            commands.append(words[1:])
    return commands


def test_ci_and_make_install_python_packages_only_from_the_lock(tmp_path: Path):
    """`make -n` of what CI runs (and `make build`), into a venv that does not exist yet, so that
    every install step is shown: each pip install is the lock with hashes, or healthlib without
    its dependencies."""
    targets = _ci_make_targets()
    assert targets, ".ci/run runs no make target"
    assert "pip install" not in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    installs = []
    for target in [*targets, ["build"]]:
        shown = subprocess.run(["make", "-n", *target, f"VENV={tmp_path / 'venv'}", "AUDIT=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0, shown.stderr
        installs += [line for line in shown.stdout.splitlines() if "pip install" in line]
    assert installs, "no install step shown"
    for line in installs:
        for step in re.findall(r"pip install[^&;]*", line):
            from_lock = "--require-hashes -r requirements-lock.txt" in step
            only_self = "--no-deps" in step and step.rstrip().endswith("-e .")
            assert from_lock or only_self, f"installs without the lock's hashes: {step}"
