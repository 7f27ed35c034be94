"""Helpers for job tests: wait for a job state with a deadline, and stop the embedded runner."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sqlmodel import Session

from vibe.core.db import get_engine
from vibe.jobs.models import Job

DEADLINE = 20.0


@pytest.fixture(autouse=True)
def stop_embedded_runner() -> Iterator[None]:
    """The embedded runner is process-wide; each test gets a fresh one and waits it out."""
    from jobs import embedded

    embedded.shutdown()
    yield
    embedded.shutdown()


def load(job_id: str) -> Job:
    with Session(get_engine()) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def wait_until(check: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        threading.Event().wait(0.02)


def wait_for(job_id: str, *statuses: str, timeout: float = DEADLINE) -> Job:
    """Poll the row until its status is one of ``statuses``; return it."""
    seen: list[Job] = []

    def check() -> bool:
        seen[:] = [load(job_id)]
        return seen[0].status in statuses

    try:
        wait_until(check, f"job {job_id} to be {statuses}", timeout)
    except AssertionError:
        job = seen[0] if seen else None
        raise AssertionError(
            f"job {job_id} still {job and job.status} ({job and job.error!r}), wanted {statuses}"
        ) from None
    return seen[0]
