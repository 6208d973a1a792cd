"""A whole throw-away project (templates, static, site.yaml and a synthetic library of N
conditions made by bench/make_library.py) for tests that change any of the build's inputs."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from healthlib.pipeline import Project, build

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from make_library import make_library  # noqa: E402


def make_project(root: Path, conditions: int, related: bool = False) -> Project:
    """A project in `root` with its own copy of every build input; returns it. `related`: each
    condition lists two others as related (made in a second pass: the cache's counts double)."""
    for name in ("templates", "static"):
        shutil.copytree(REPO / name, root / name)
    library = root / "library"
    make_library(conditions, library, related)
    shutil.move(library / "content", root / "content")
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.rmtree(library)
    return Project.at(root)


def build_into(project: Project, out: Path, **options):
    """build() without PDFs (slow, tested elsewhere), into a fresh or earlier output folder."""
    return build(project, out, pdfs=False, **options)


# The lines a build script run in a fresh process starts with to record the worker count of every
# process pool the build starts (workers are forked only from a process with one thread).
COUNTING_POOLS = """\
import concurrent.futures
pools = []
class Counting(concurrent.futures.ProcessPoolExecutor):
    def __init__(self, workers, *args, **kwargs):
        pools.append(workers)
        super().__init__(workers, *args, **kwargs)
concurrent.futures.ProcessPoolExecutor = Counting   # parallel.py imports it when it needs a pool
"""
