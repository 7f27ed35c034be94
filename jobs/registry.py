"""Job kinds by name, and the context a running job reports through.

A job is a plain function ``fn(ctx, **args)`` registered with ``@job("kind")``. It takes ids and
small JSON arguments, opens its own session and calls a service ("no hidden context"), so the same
function runs in an RQ worker process or in the embedded thread pool.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from vibe.core.db import get_engine, utcnow
from vibe.core.errors import ValidationFailed
from vibe.jobs.models import Job

JobFunction = Callable[..., Any]

SYNC_INTERVAL = 0.25  # seconds between progress writes; cancellation is seen this quickly

_KINDS: dict[str, JobFunction] = {}
_loaded = False
_load_lock = threading.Lock()


class Cancelled(Exception):
    """Raised inside a job at its next progress/check after someone asked to cancel it."""


class JobTimedOut(Exception):
    """Raised inside a job at its next progress/check once it ran past job_timeout_seconds."""


def job(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Register ``fn`` as the implementation of ``kind``."""

    def register(fn: JobFunction) -> JobFunction:
        if kind in _KINDS and _KINDS[kind] is not fn:
            raise ValueError(f"job kind {kind!r} is already registered")
        _KINDS[kind] = fn
        return fn

    return register


def _load_all() -> None:
    """Import every module of the ``jobs`` package once, so their ``@job`` decorators ran."""
    global _loaded
    with _load_lock:
        if _loaded:
            return
        import jobs

        for info in pkgutil.iter_modules(jobs.__path__):
            importlib.import_module(f"jobs.{info.name}")
        _loaded = True


def get(kind: str) -> JobFunction:
    """The function for ``kind``; ValidationFailed for a kind nobody registered."""
    _load_all()
    try:
        return _KINDS[kind]
    except KeyError:
        raise ValidationFailed(f"unknown job kind: {kind}") from None


def kinds() -> list[str]:
    _load_all()
    return sorted(_KINDS)


@dataclass
class JobContext:
    """What a running job sees: its ids, and a way to report progress and notice cancellation.

    Writes are throttled to one every SYNC_INTERVAL so a tight loop calling ``progress`` does not
    turn into thousands of UPDATEs; each write also reads the cancel flag and refreshes the job's
    heartbeat.
    """

    job_id: str
    attempt: int
    user_id: int | None = None
    project_id: int | None = None
    deadline: float = float("inf")  # time.monotonic() value
    _fraction: float = 0.0
    _message: str = ""
    _last_sync: float = field(default=0.0, repr=False)
    _cancel: bool = field(default=False, repr=False)

    def progress(self, fraction: float, message: str = "") -> None:
        """Record progress (0..1) and a short message; raise Cancelled/JobTimedOut when due."""
        self._fraction = min(1.0, max(0.0, float(fraction)))
        self._message = message[:500]
        self._sync(force=self._fraction >= 1.0)
        self.check()

    def check(self) -> None:
        """Raise Cancelled if a cancel was requested, JobTimedOut past the deadline."""
        self._sync(force=False)
        if self._cancel:
            raise Cancelled("cancelled on request")
        if time.monotonic() > self.deadline:
            raise JobTimedOut("job ran past job_timeout_seconds")

    @property
    def cancelled(self) -> bool:
        """Whether a cancel was requested (as of the last sync); never raises."""
        self._sync(force=False)
        return self._cancel

    def wait(self, seconds: float, until: Callable[[], bool] | None = None) -> bool:
        """Wait up to ``seconds`` for ``until()``, checking cancellation every 50 ms."""
        end = time.monotonic() + seconds
        while True:
            if until is not None and until():
                return True
            self.check()
            left = end - time.monotonic()
            if left <= 0:
                return False
            threading.Event().wait(min(0.05, left))

    def _sync(self, *, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._last_sync < SYNC_INTERVAL:
            return
        self._last_sync = now
        table = Job.__table__
        with get_engine().begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.id == self.job_id, table.c.status == "running")
                .values(progress=self._fraction, message=self._message, heartbeat_at=utcnow())
            )
            flag = conn.execute(
                select(table.c.cancel_requested).where(table.c.id == self.job_id)
            ).scalar()
        self._cancel = bool(flag)
