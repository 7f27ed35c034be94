"""The one way to start work: ``enqueue`` writes the Job row, then hands it to RQ or the
embedded runner. ``dispatch`` is the transport step, shared with retries and the reaper."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from redis.exceptions import RedisError
from rq import Queue

from jobs import embedded, registry
from vibe.core.config import get_settings
from vibe.core.db import session_scope, utcnow
from vibe.core.errors import ServiceUnavailable, ValidationFailed
from vibe.core.redis import get_redis
from vibe.jobs.models import Job, JobStatus

QUEUE_NAME = "vibe"
RUN_JOB = "jobs.runner.run_job"
HARD_TIMEOUT_MARGIN = 60  # RQ kills a job this long after our own, cooperative, timeout
FAILURE_TTL = 7 * 24 * 3600


def enqueue(
    kind: str,
    *,
    args: dict[str, Any],
    user_id: int | None = None,
    project_id: int | None = None,
    max_retries: int | None = None,
) -> str:
    """Create a Job row and queue it; return its id.

    The row is committed in its own transaction before dispatch (a worker must be able to read
    it), so call this after committing anything the job needs. When Redis is configured but
    unreachable the row is marked failed and ServiceUnavailable is raised.
    """
    registry.get(kind)
    try:
        json.dumps(args)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"job arguments must be JSON: {exc}") from None
    if get_redis() is None:
        embedded.start()
    settings = get_settings()
    job_id = uuid.uuid4().hex
    retries = settings.job_max_retries if max_retries is None else max(0, max_retries)
    with session_scope() as session:
        session.add(
            Job(
                id=job_id,
                kind=kind,
                args=args,
                user_id=user_id,
                project_id=project_id,
                max_retries=retries,
            )
        )
    try:
        dispatch(job_id, 0)
    except ServiceUnavailable as exc:
        _mark_undeliverable(job_id, exc.message)
        raise
    return job_id


def dispatch(job_id: str, attempt: int, *, delay: float = 0.0) -> None:
    """Deliver attempt ``attempt + 1`` of a queued job, after ``delay`` seconds."""
    client = get_redis()
    if client is None:
        embedded.start().submit(job_id, attempt, delay=delay)
        return
    queue = Queue(QUEUE_NAME, connection=client)
    options: dict[str, Any] = {
        "job_timeout": get_settings().job_timeout_seconds + HARD_TIMEOUT_MARGIN,
        "result_ttl": 0,
        "failure_ttl": FAILURE_TTL,
        "description": f"vibe job {job_id} attempt {attempt + 1}",
    }
    try:
        if delay > 0:
            queue.enqueue_in(timedelta(seconds=delay), RUN_JOB, job_id, attempt, **options)
        else:
            queue.enqueue(RUN_JOB, job_id, attempt, **options)
    except RedisError as exc:
        raise ServiceUnavailable(f"job queue unavailable: {exc}") from exc


def _mark_undeliverable(job_id: str, reason: str) -> None:
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is not None and job.status == JobStatus.queued.value:
            job.status = JobStatus.failed.value
            job.error = reason
            job.finished_at = utcnow()
            session.add(job)
