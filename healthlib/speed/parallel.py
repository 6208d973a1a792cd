"""Use every core for per-condition work, keeping results in the order of the input.

Workers are forked, so they start with what the parent has loaded (templates, settings) and
only results travel back; the same order means a parallel build writes the same bytes as a
serial one (tests/test_parallel.py).
"""
from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence

THRESHOLD = 48    # below this many items starting workers costs more than it saves
# Chunks shrink as work runs out ("guided" scheduling), so no worker is left alone with a big
# last chunk; capped so that a chunk's pages stay a few megabytes.
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
        from ..util.libc import libc
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


def ordered_imap(work: Callable, items: Sequence, jobs: int | None = None) -> Iterator:
    """map(work, items), across processes when that helps, each result given as soon as it and
    those before it are back. `work` may be a closure (workers are forked, so nothing of it is
    pickled); its results must pickle. An exception in a worker is raised here."""
    workers = workers_for(len(items), jobs)
    if workers == 1:
        yield from map(work, items)
        return
    # Imported here: most rebuilds need no pool.
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
