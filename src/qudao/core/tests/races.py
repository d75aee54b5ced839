"""The PostgreSQL races of the apps' concurrency tests: callables started together in
threads, each with its own connection and transaction, and what each attempt came to."""

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, transaction

from qudao.core.errors import DomainError


def race(fn: Callable[[], Any], threads: int, per_thread: int) -> list[Any]:
    """Run fn in `threads` threads started together, each call in its own transaction."""
    results: list[Any] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def work() -> None:
        barrier.wait()
        try:
            for _ in range(per_thread):
                with transaction.atomic():
                    value = fn()
                with lock:
                    results.append(value)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return results


def attempt(fn: Callable[[], Any]) -> str:
    """ "ok", or the stable code of the domain error that refused it (its writes undone)."""
    try:
        with transaction.atomic():
            fn()
    except DomainError as exc:
        return exc.code
    return "ok"


def outcomes(fn: Callable[[], Any], threads: int) -> list[str]:
    """The same attempt in `threads` threads at once: each one's "ok" or refusal code."""
    return race(lambda: attempt(fn), threads=threads, per_thread=1)


def tally(fn: Callable[[], Any], threads: int) -> tuple[int, int]:
    """(succeeded, refused) of the same attempt in `threads` threads at once."""
    found = outcomes(fn, threads)
    return found.count("ok"), len(found) - found.count("ok")


def each(fns: Sequence[Callable[[], Any]]) -> list[str]:
    """One attempt per callable, all at once, their outcomes sorted ("ok" sorts first)."""
    todo = iter(fns)
    lock = threading.Lock()

    def next_one() -> str:
        with lock:
            fn = next(todo)
        return attempt(fn)

    return sorted(race(next_one, threads=len(fns), per_thread=1))
