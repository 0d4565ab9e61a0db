"""Work on a fleet's repositories a few at a time, in threads or in worker processes.

Threads suit work that waits on git (status). copier changes the process's working directory
while it renders or updates, so work that runs copier (update, new) takes processes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from typing import Any, TypeVar

T = TypeVar("T")
#: Called after each item with (how many are done, how many in all, its result).
Done = Callable[[int, int, Any], None]


def default_jobs() -> int:
    """How many repositories to work on at once: one per CPU."""
    return os.cpu_count() or 1


def run_all(
    work: Callable[..., T],
    items: Sequence[tuple],
    *,
    jobs: int,
    processes: bool = False,
    done: Done | None = None,
) -> list[T]:
    """`work(*item)` for every item, `jobs` at once; the results in the items' order.

    One job, or one item, runs here with no pool at all. Processes are spawned, not forked
    (a fork would copy the locks of the caller's threads, a spinner's for one).
    """
    results: list[Any] = [None] * len(items)
    if jobs <= 1 or len(items) <= 1:
        for index, item in enumerate(items):
            results[index] = work(*item)
            if done is not None:
                done(index + 1, len(items), results[index])
        return results
    pool: Executor
    if processes:
        spawn = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=spawn)
    else:
        pool = ThreadPoolExecutor(max_workers=jobs)
    with pool:
        futures = {pool.submit(work, *item): i for i, item in enumerate(items)}
        for count, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if done is not None:
                done(count, len(items), results[futures[future]])
    return results
