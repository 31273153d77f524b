"""Reading files in worker processes, handing the results back in order.

Parsing a log is pure Python (zip members, JSON, Arrow), so threads would share one
interpreter lock: processes read several files at once. The results come back in
the order of the paths, and only a few tasks (of at most :data:`MAX_FILES_PER_TASK`
files each) ahead of the writer are held at once, so memory stays bounded however
many files there are.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

#: How a task's results travel from a worker (``pack``) back to the writer (``unpack``).
Pack = Callable[[list[T]], Any]
Unpack = Callable[[Any], list[T]]

#: Below this many files, starting worker processes costs more than it saves.
MIN_FILES_FOR_WORKERS = 8

#: The most files one task of a worker reads (fewer when there are few files, so
#: that the workers share them evenly).
MAX_FILES_PER_TASK = 8


def default_workers() -> int:
    """One worker per core this process may use (the writer mostly waits on them)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _can_fork() -> bool:
    # Linux only: macOS's system libraries are not safe to use in a forked child
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _start_worker(parent: int) -> None:
    """In a new worker: leave the garbage collector the worker's own objects only, and
    be killed with the parent (:func:`_die_with_parent`)."""
    # the objects inherited from the parent (its imports: pyarrow, DuckDB, pandas)
    # never become garbage here: a full collection would walk them all, and touch,
    # so copy, the pages they share with the parent
    gc.freeze()
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """In a worker: be killed when the ingest is, even by SIGKILL (kill -9, the OOM
    killer), rather than wait forever for work from a parent that is gone."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown applies
        return
    if os.getppid() != parent:  # the parent died before the call above
        os._exit(1)


def read_in_order(
    paths: Sequence[str],
    read: Callable[[str], T],
    workers: int | None = None,
    ship: tuple[Pack[T], Unpack[T]] | None = None,
    before_fork: Callable[[], object] | None = None,
) -> Iterator[T]:
    """``read(path)`` for each path, in order; in worker processes when there are many.

    ``read`` must be a module-level function that returns (not raises) its errors.
    ``ship``: module-level functions that pack a task's results in the worker and
    unpack them in the caller, where pickling them as they are costs more.
    ``before_fork``: called here before the workers start, for what each of them
    would otherwise do on its own (a lazy import), so that they share it.
    """
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(paths) < MIN_FILES_FOR_WORKERS or not _can_fork():
        for path in paths:
            yield read(path)
        return
    # fork, as spawn and forkserver run the caller's main module again in each worker
    # (a script piped to python breaks; one without a main guard ingests recursively).
    # A forked worker only parses files and leaves with os._exit: it never touches the
    # parent's DuckDB connection or runs its finalizers.
    pack, unpack = ship if ship is not None else (None, None)
    if before_fork is not None:
        before_fork()
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )
    # a few files a task: a task's round trip costs about as much as a small log
    size = max(1, min(MAX_FILES_PER_TASK, len(paths) // (8 * workers)))
    with pool:
        pending: deque[Future[list[T]]] = deque()
        ahead = 2 * workers
        queued = (paths[start : start + size] for start in range(0, len(paths), size))
        for chunk in queued:
            pending.append(pool.submit(_read_all, read, chunk, pack))
            if len(pending) >= ahead:
                break
        while pending:
            results = pending.popleft().result()
            for chunk in queued:
                pending.append(pool.submit(_read_all, read, chunk, pack))
                break
            yield from results if unpack is None else unpack(results)


def _read_all(read: Callable[[str], T], paths: Sequence[str], pack: Pack[T] | None) -> Any:
    results = [read(path) for path in paths]
    return results if pack is None else pack(results)
