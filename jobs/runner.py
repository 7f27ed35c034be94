"""Run one attempt of a job and record its outcome on the Job row.

``run_job`` is what RQ workers and the embedded thread pool call. It never raises for a job's own
failure: the Job row is the source of truth, RQ is only transport. Every state change is a
conditional UPDATE, so a duplicate delivery, a late retry timer or a reaper racing a slow job
cannot run an attempt twice or overwrite a newer state.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from jobs import registry
from jobs.registry import Cancelled, JobContext, JobTimedOut
from vibe.core.config import get_settings
from vibe.core.db import get_engine, utcnow
from vibe.jobs.models import Job, JobStatus

log = logging.getLogger("vibe.jobs")

_worker_name = f"{socket.gethostname()}.{os.getpid()}"


def set_worker_name(name: str) -> None:
    """Name recorded on jobs this process runs (the RQ worker sets its own)."""
    global _worker_name
    _worker_name = name


def retry_delay(attempt: int) -> float:
    """Exponential backoff: base, 2×base, 4×base… after the 1st, 2nd, 3rd failed attempt."""
    base = get_settings().job_retry_backoff_seconds
    return base * 2 ** max(0, attempt - 1)


def _set(job_id: str, where_status: str, **values: Any) -> bool:
    table = Job.__table__
    with get_engine().begin() as conn:
        result = conn.execute(
            update(table)
            .where(table.c.id == job_id, table.c.status == where_status)
            .values(**values)
        )
    return result.rowcount == 1


def _claim(job_id: str, attempt: int, worker: str) -> Job | None:
    """Flip queued → running for exactly this attempt; None when someone else got it first."""
    table = Job.__table__
    now = utcnow()
    with get_engine().begin() as conn:
        claimed = conn.execute(
            update(table)
            .where(table.c.id == job_id, table.c.status == "queued", table.c.attempts == attempt)
            .values(
                status=JobStatus.running.value,
                attempts=attempt + 1,
                started_at=now,
                heartbeat_at=now,
                next_attempt_at=None,
                worker=worker[:200],
            )
        ).rowcount
        if claimed != 1:
            return None
        row = conn.execute(table.select().where(table.c.id == job_id)).mappings().one()
    return Job.model_validate(dict(row))


class _Ticker(threading.Thread):
    """Refresh the job's heartbeat while it runs, so only a dead process looks stale."""

    def __init__(self, job_id: str, interval: float) -> None:
        super().__init__(name=f"vibe-job-heartbeat-{job_id}", daemon=True)
        self.job_id = job_id
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                _set(self.job_id, "running", heartbeat_at=utcnow())
            except Exception:  # the database blinked; the next tick tries again
                log.warning("job heartbeat failed", exc_info=True)


def run_job(job_id: str, attempt: int, worker: str | None = None) -> str:
    """Run attempt ``attempt + 1`` of the job; return the status it ended in (or "skipped")."""
    job = _claim(job_id, attempt, worker or _worker_name)
    if job is None:
        return "skipped"
    settings = get_settings()
    ctx = JobContext(
        job_id=job_id,
        attempt=job.attempts,
        user_id=job.user_id,
        project_id=job.project_id,
        deadline=time.monotonic() + settings.job_timeout_seconds,
    )
    ticker = _Ticker(job_id, settings.worker_heartbeat_seconds)
    ticker.start()
    try:
        return _execute(job, ctx)
    finally:
        ticker.stopped.set()
        ticker.join()


def _execute(job: Job, ctx: JobContext) -> str:
    try:
        fn = registry.get(job.kind)
        value = fn(ctx, **job.args)
    except Cancelled:
        finish(job.id, JobStatus.cancelled, message="cancelled")
        return JobStatus.cancelled.value
    except JobTimedOut as exc:
        finish(job.id, JobStatus.failed, error=str(exc))
        return JobStatus.failed.value
    except Exception as exc:
        log.warning("job %s (%s) attempt %d failed", job.id, job.kind, job.attempts, exc_info=True)
        return _failed(job, f"{type(exc).__name__}: {exc}", traceback.format_exc())
    except BaseException:  # the worker is being shut down hard: hand the job back
        _failed(job, "interrupted: worker shut down", "")
        raise
    result = value if isinstance(value, dict) or value is None else {"value": value}
    finish(job.id, JobStatus.succeeded, result=result, progress=1.0)
    return JobStatus.succeeded.value


def finish(job_id: str, status: JobStatus, **values: Any) -> None:
    """Record the outcome of a running job (no-op if it is no longer running)."""
    _set(job_id, "running", status=status.value, finished_at=utcnow(), **values)


def _failed(job: Job, error: str, trace: str) -> str:
    """Re-queue with backoff while retries remain, else fail for good."""
    detail = f"{error}\n\n{trace}".strip()[:20_000]
    if job.attempts <= job.max_retries:
        return requeue(job.id, job.attempts, detail, from_status="running")
    finish(job.id, JobStatus.failed, error=detail)
    return JobStatus.failed.value


def requeue(job_id: str, attempts: int, error: str, *, from_status: str) -> str:
    """Put the job back in the queue after its backoff delay; used by failures and the reaper."""
    from jobs.dispatch import dispatch

    delay = retry_delay(attempts)
    moved = _set(
        job_id,
        from_status,
        status=JobStatus.queued.value,
        error=error,
        worker="",
        next_attempt_at=utcnow() + timedelta(seconds=delay),
    )
    if not moved:
        return "skipped"
    try:
        dispatch(job_id, attempts, delay=delay)
    except Exception as exc:  # queue unreachable: do not leave a queued row nobody will run
        _set(
            job_id,
            "queued",
            status=JobStatus.failed.value,
            finished_at=utcnow(),
            error=f"job queue unavailable: {exc}\n\nprevious error: {error}",
        )
        return JobStatus.failed.value
    return JobStatus.queued.value
