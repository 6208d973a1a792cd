"""Loading and rendering across processes gives the very same site as doing it one by one.

Each build runs in a fresh process: the build forks workers only when it is the process's one
thread, and a test session may have others (the site server fixture)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthlib.speed import parallel
from projectkit import COUNTING_POOLS, REPO, make_project
from sitecopy import site_digest
from contentkit import replace_in

CONDITIONS = parallel.THRESHOLD + 12    # enough that the build goes parallel

# Builds a project; prints the worker count of every process pool started and the problems.
BUILD = COUNTING_POOLS + textwrap.dedent("""
    import concurrent.futures, json, sys
    from pathlib import Path
    from healthlib.errors import BuildError
    from healthlib.pipeline import Project, build
    try:
        build(Project.at(Path(sys.argv[1])), Path(sys.argv[2]), pdfs=False, use_cache=sys.argv[4] == "cache",
              jobs=int(sys.argv[3]))
        problems = []
    except BuildError as exc:
        problems = [str(p) for p in exc.problems]
    print(json.dumps({"pools": pools, "problems": problems}))
""")


def fresh_build(project, out, jobs: int, cache: str = "no cache") -> dict:
    done = subprocess.run([sys.executable, "-c", BUILD, str(project.root), str(out), str(jobs), cache], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("parallel"), CONDITIONS)


def test_a_parallel_build_writes_the_same_bytes_as_a_serial_one(project, tmp_path):
    assert fresh_build(project, tmp_path / "serial", jobs=1) == {"pools": [], "problems": []}
    parallel_run = fresh_build(project, tmp_path / "parallel", jobs=2)
    assert parallel_run["pools"] == [2], "loading and rendering should share two processes"
    serial, parallel_site = site_digest(tmp_path / "serial"), site_digest(tmp_path / "parallel")
    assert len(serial) > 2 * CONDITIONS
    assert parallel_site == serial


def test_pages_of_conditions_from_the_cache_are_rendered_across_processes_too(project, tmp_path):
    """A template change re-renders every page of conditions that are not loaded again."""
    changed = make_project(tmp_path / "project", CONDITIONS)
    assert fresh_build(changed, tmp_path / "site", jobs=2, cache="cache")["pools"] == [2]
    replace_in(changed.templates / "condition.html", "<h1>", "<h1 class=\"changed\">")
    # Folders this new may be read again (cache.RACY_NS), which is a pool of its own; the last
    # pool renders, each condition from the cache.
    assert fresh_build(changed, tmp_path / "site", jobs=2, cache="cache")["pools"][-1:] == [2]
    fresh_build(changed, tmp_path / "serial", jobs=1)
    assert site_digest(tmp_path / "site") == site_digest(tmp_path / "serial")
    assert b'<h1 class="changed">' in next((tmp_path / "site").glob("*/index.html")).read_bytes()


def test_a_small_library_is_built_in_one_process(tmp_path):
    small = make_project(tmp_path / "small", 3)
    assert fresh_build(small, tmp_path / "site", jobs=2)["pools"] == []


def test_problems_found_in_workers_are_reported_as_in_a_serial_build(tmp_path):
    broken = make_project(tmp_path / "broken", CONDITIONS)
    folder = sorted(p for p in broken.content.iterdir() if p.is_dir())[CONDITIONS // 2]
    replace_in(folder / "condition.yaml", "title: ", "titel: ")                      # a load problem
    serial, parallel_run = (fresh_build(broken, tmp_path / "site", jobs) for jobs in (1, 2))
    assert parallel_run["pools"] == [2]
    assert parallel_run["problems"] == serial["problems"] and any("titel" in p for p in serial["problems"])

    replace_in(folder / "condition.yaml", "titel: ", "title: ")
    replace_in(broken.templates / "condition.html", "<h1>", "<h1 class=\"{{ no_such_value }}\">")   # a render one
    serial, parallel_run = (fresh_build(broken, tmp_path / "site", jobs) for jobs in (1, 2))
    assert parallel_run["pools"] == [2]
    assert parallel_run["problems"] == serial["problems"]
    assert any("no_such_value" in p for p in serial["problems"])


ORDERED_MAP = textwrap.dedent("""
    import json, os
    from healthlib.speed import parallel
    parallel.THRESHOLD = 2
    def fails_on_7(i):
        if i == 7:
            raise ValueError("seven")
        return i
    try:
        list(parallel.ordered_imap(fails_on_7, list(range(37)), jobs=2))
        error = None
    except ValueError as exc:
        error = str(exc)
    results = list(parallel.ordered_imap(lambda i: (i * i, os.getpid()), list(range(37)), jobs=2))
    print(json.dumps({"squares": [r for r, _ in results], "elsewhere": all(p != os.getpid() for _, p in results),
                      "error": error}))
""")


def test_ordered_imap_keeps_the_order_and_raises_worker_errors():
    done = subprocess.run([sys.executable, "-c", ORDERED_MAP], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"squares": [i * i for i in range(37)], "elsewhere": True, "error": "seven"}


@given(count=st.integers(0, 20_000), workers=st.integers(2, 64))
def test_chunks_cover_every_item_once_in_order_and_shrink_towards_the_end(count, workers):
    chunks = parallel.guided_chunks(count, workers)
    assert [i for start, end in chunks for i in range(start, end)] == list(range(count))
    sizes = [end - start for start, end in chunks]
    assert all(parallel.MIN_CHUNK <= size <= parallel.MAX_CHUNK for size in sizes[:-1])
    assert sizes == sorted(sizes, reverse=True)[:len(sizes) - 1] + sizes[-1:]
    # the work handed out last is a few items or a small share of one worker's: no long wait at the end
    assert sum(sizes[-workers:]) <= max(workers * parallel.MIN_CHUNK, count / workers / 4)


def test_one_job_or_a_running_thread_means_no_pool(monkeypatch):
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    assert parallel.workers_for(1000, 2) == 2
    assert parallel.workers_for(1000, 1) == 1
    assert parallel.workers_for(parallel.THRESHOLD - 1, 2) == 1
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 2)
    assert parallel.workers_for(1000, 2) == 1


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"   # a zombie has ended
    except FileNotFoundError:
        return False


def test_workers_end_when_the_build_is_killed():
    # A build killed with SIGKILL (as the atomic-write tests do) must not leave workers behind.
    script = textwrap.dedent("""
        import os, sys, time
        from healthlib.speed import parallel
        def work(item):
            os.write(1, f"{os.getpid()}\\n".encode())   # one write: lines of two workers never mix
            time.sleep(120)
        list(parallel.ordered_imap(work, list(range(parallel.THRESHOLD)), jobs=2))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True)
    workers = {int(proc.stdout.readline()) for _ in range(2)}
    assert proc.pid not in workers and all(_alive(pid) for pid in workers)
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived the killed build"
