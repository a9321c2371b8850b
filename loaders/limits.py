"""Bounds on time: a deadline for a whole command's wait, whatever it waits on.

An engine may compute for a long time inside one call that Python cannot interrupt
(Oxigraph evaluates an ORDER BY or a GROUP BY over a runaway join before it gives a
first row; a server may trickle its answer a byte at a time). So the work runs in a
worker thread and the caller waits on it with the time left: when the deadline passes
the caller raises :class:`TimeoutExpired` at once, and the worker, a daemon thread, ends
with the process. Rows go through a small queue, so a fast engine waits for a slow
writer and memory stays flat however many rows a query gives. The deadline counts from
the start of the wait, so it bounds the command's time (a reader paging slowly through a
long CSV counts too: ``--timeout 0`` lifts the limit).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from loaders.errors import MigkgError

T = TypeVar("T")


class TimeoutExpired(MigkgError):
    """The deadline passed: the message says what waited, how long, and how to change it."""


class Deadline:
    """``seconds`` from now (``None`` or 0: no limit) for ``what``: the whole command's
    wait, whatever it waits on, retries included."""

    def __init__(self, seconds: float | None, what: str, option: str = "--timeout") -> None:
        self.seconds = seconds if seconds and seconds > 0 else None
        self.what = what
        self.option = option
        self.start = time.monotonic()

    @property
    def bounded(self) -> bool:
        return self.seconds is not None

    def left(self) -> float | None:
        """Seconds left (never below 0), or None without a limit."""
        if self.seconds is None:
            return None
        return max(0.0, self.seconds - (time.monotonic() - self.start))

    def wait(self, func: Callable[[float | None], T]) -> T:
        """``func(seconds left)``."""
        return func(self.left())

    def expired(self, detail: str = "") -> TimeoutExpired:
        extra = f" {detail}" if detail else ""
        return TimeoutExpired(
            f"{self.what}: no answer within {self.seconds:g} s{extra}; "
            f"give it longer with {self.option} SECONDS (0: no limit)"
        )


_DONE = object()


def _bare(exc: BaseException) -> BaseException:
    """``exc`` without its tracebacks (and its causes'), to hand to another thread: the
    frames would keep the worker's objects alive there, and some (Oxigraph's results) may
    only be dropped in the thread that made them."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__
    return exc


def call(func: Callable[[], T], deadline: Deadline) -> T:
    """``func()``, or :class:`TimeoutExpired` when the deadline passes first."""
    if not deadline.bounded:
        return func()
    box: list[object] = []
    failed: list[BaseException] = []

    def work() -> None:
        try:
            box.append(func())
        except BaseException as exc:  # handed to the caller
            failed.append(_bare(exc))

    worker = threading.Thread(target=work, name="migkg-bounded", daemon=True)
    worker.start()
    deadline.wait(worker.join)
    if worker.is_alive():
        raise deadline.expired()
    if failed:
        raise failed[0]
    return box[0]  # type: ignore[return-value]


def iterate(
    items: Callable[[], Iterable[T]], deadline: Deadline, batch: int = 256, batches: int = 4
) -> Iterator[T]:
    """The items of ``items()`` as they come, or :class:`TimeoutExpired` when the deadline
    passes before the last one. Items cross from the worker in batches (of ``batch``, or
    fewer when 50 ms have passed), at most ``batches`` of them waiting in memory."""
    if not deadline.bounded:
        yield from items()
        return
    box: queue.Queue[object] = queue.Queue(maxsize=batches)
    stop = threading.Event()

    def put(value: object) -> bool:
        while not stop.is_set():
            try:
                box.put(value, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            pending: list[T] = []
            since = time.monotonic()
            for item in items():
                pending.append(item)
                if len(pending) >= batch or time.monotonic() - since > 0.05:
                    if not put(pending):
                        return
                    pending, since = [], time.monotonic()
            if pending and not put(pending):
                return
            box.put(_DONE)
        except BaseException as exc:  # handed to the caller
            box.put(_bare(exc))

    worker = threading.Thread(target=work, name="migkg-rows", daemon=True)
    worker.start()
    count = 0
    try:
        while True:
            try:
                got = deadline.wait(lambda left: box.get(timeout=left))
            except queue.Empty:
                raise deadline.expired(f"({count} rows by then)") from None
            if got is _DONE:
                return
            if isinstance(got, BaseException):
                raise got
            for item in got:  # type: ignore[attr-defined]
                if deadline.left() == 0:
                    raise deadline.expired(f"({count} rows by then)")
                count += 1
                yield item
    finally:
        stop.set()
