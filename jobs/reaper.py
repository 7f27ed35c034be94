"""Find jobs whose process died mid-run and settle them: re-queue while retries remain, else fail.

A running job's heartbeat is refreshed by its progress calls and a background ticker every
``worker_heartbeat_seconds``; three missed beats mean the process is gone. Workers and the
embedded runner call ``reap`` at start and periodically, so nothing stays "running" forever.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import select

from jobs.runner import finish, requeue
from vibe.core.config import get_settings
from vibe.core.db import session_scope, utcnow
from vibe.jobs.models import Job, JobStatus

log = logging.getLogger("vibe.jobs")

MISSED_BEATS = 3


def stale_after() -> timedelta:
    return timedelta(seconds=get_settings().worker_heartbeat_seconds * MISSED_BEATS)


def reap(*, now: datetime | None = None) -> dict[str, str]:
    """Settle every stale running job; return ``{job_id: new status}``."""
    cutoff = (now or utcnow()) - stale_after()
    with session_scope() as session:
        stale = session.exec(
            select(Job).where(
                Job.status == JobStatus.running.value,
                Job.heartbeat_at < cutoff,  # type: ignore[operator]
            )
        ).all()
    outcome: dict[str, str] = {}
    for job in stale:
        outcome[job.id] = _settle(job)
        log.warning("reaped job %s (%s): %s", job.id, job.kind, outcome[job.id])
    return outcome


def _settle(job: Job) -> str:
    seen = job.heartbeat_at.isoformat() if job.heartbeat_at else "never"
    reason = f"worker lost: no heartbeat from {job.worker or 'its worker'} since {seen}"
    if job.cancel_requested:
        finish(job.id, JobStatus.cancelled, message="cancelled", error=reason)
        return JobStatus.cancelled.value
    if job.attempts <= job.max_retries:
        return requeue(job.id, job.attempts, reason, from_status=JobStatus.running.value)
    finish(job.id, JobStatus.failed, error=reason)
    return JobStatus.failed.value
