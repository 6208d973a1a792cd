"""Use every core for the slow per-condition work (loading, rendering), keeping results in order.

Worker processes are forked, so they start with everything the parent has already loaded (the
library, the templates) without pickling it; only the results travel back. Results come back
in the order of the input, so a parallel build adds files, problems and pages in exactly the
order a serial one does, and writes the same bytes (tests/test_parallel.py).
"""
from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence

# Below this many items a pool costs more (about 20 ms a worker to start) than it saves.
THRESHOLD = 48
# Work goes out in chunks that shrink as it runs out ("guided" scheduling): big ones first, for
# few round trips, and small ones at the end, so that no worker is left alone with a big last
# chunk while the others wait (with equal chunks that wait was 0.3 s of a 3 s stage). Capped,
# so that a chunk's results (pages, in the render stage) stay a few megabytes.
MIN_CHUNK = 4
MAX_CHUNK = 100


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    # Forking a process that runs other threads (a preview server) can copy a held lock into the
    # child; such callers work serially.
    return hasattr(os, "fork") and threading.active_count() == 1


def workers_for(count: int, jobs: int | None) -> int:
    """How many processes to use for `count` items: 1 means do them here, one by one."""
    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1 or count < THRESHOLD or not can_fork():
        return 1
    return min(jobs, count)


_work: Callable | None = None   # what the forked workers run, set just before forking


def _die_with_parent(parent: int) -> None:
    """A worker ends when the build process ends, even by SIGKILL, instead of lingering."""
    try:
        from .libc import libc
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):   # not Linux: nothing to set
        pass
    if os.getppid() != parent:   # the parent died before prctl took effect
        os._exit(1)


def _run_chunk(chunk: Sequence):
    return [_work(item) for item in chunk]


def guided_chunks(count: int, workers: int) -> list[tuple[int, int]]:
    """(start, end) of each chunk of `count` items: each takes half a worker's share of what is
    left, within MIN_CHUNK (but the last) and MAX_CHUNK."""
    chunks, start = [], 0
    while start < count:
        end = min(count, start + min(MAX_CHUNK, max(MIN_CHUNK, (count - start) // (2 * workers))))
        chunks.append((start, end))
        start = end
    return chunks


def ordered_map(work: Callable, items: Sequence, jobs: int | None = None) -> list:
    """[work(item) for item in items], across processes when that helps; same order either way.

    `work` may be a closure or bound method: workers are forked, so nothing of it is pickled.
    Its results must pickle. An exception in a worker is raised here."""
    return list(ordered_imap(work, items, jobs))


def ordered_imap(work: Callable, items: Sequence, jobs: int | None = None) -> Iterator:
    """ordered_map, each result given as soon as it and those before it are back, so that the
    caller's own work on them (storing them in the cache) runs while the workers still do theirs."""
    workers = workers_for(len(items), jobs)
    if workers == 1:
        yield from map(work, items)
        return
    # Imported here: a rebuild that renders a few pages needs no pool (20 ms of imports).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    global _work
    chunks = [items[start:end] for start, end in guided_chunks(len(items), workers)]
    _work = work
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
            for chunk in pool.map(_run_chunk, chunks):
                yield from chunk
    finally:
        _work = None
