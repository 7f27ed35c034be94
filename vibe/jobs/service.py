"""Reading and steering jobs: who may see a job, cancel and retry.

A user sees the jobs they started and the jobs of projects they own or belong to. ``user=None``
is the operator (the CLI on the server), who sees everything; it is a required keyword so no
caller gets that by accident.
"""

from __future__ import annotations

from sqlalchemy import or_, update
from sqlmodel import Session, select

from vibe.auth.models import User
from vibe.core.db import utcnow
from vibe.core.errors import Conflict, NotFound
from vibe.jobs.models import Job, JobStatus
from vibe.projects.models import Membership, Project

MAX_PAGE = 200


def _visible(statement, user: User | None):  # type: ignore[no-untyped-def]
    if user is None:
        return statement
    member_of = select(Membership.project_id).where(Membership.user_id == user.id)
    owned = select(Project.id).where(Project.owner_id == user.id)
    return statement.where(
        or_(
            Job.user_id == user.id,
            Job.project_id.in_(member_of),  # type: ignore[union-attr]
            Job.project_id.in_(owned),  # type: ignore[union-attr]
        )
    )


def get_job(job_id: str, *, session: Session, user: User | None) -> Job:
    """The job, or NotFound when it does not exist or the user may not see it."""
    job = session.exec(_visible(select(Job).where(Job.id == job_id), user)).first()
    if job is None:
        raise NotFound("job not found")
    return job


def list_jobs(
    *,
    session: Session,
    user: User | None,
    status: JobStatus | None = None,
    kind: str | None = None,
    project_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Job]:
    """Newest first, filtered; at most MAX_PAGE per call."""
    statement = _visible(select(Job), user)
    if status is not None:
        statement = statement.where(Job.status == status.value)
    if kind:
        statement = statement.where(Job.kind == kind)
    if project_id is not None:
        statement = statement.where(Job.project_id == project_id)
    statement = statement.order_by(Job.created_at.desc(), Job.id)  # type: ignore[attr-defined]
    limit = max(1, min(limit, MAX_PAGE))
    return list(session.exec(statement.offset(max(0, offset)).limit(limit)).all())


def cancel_job(job_id: str, *, session: Session, user: User | None) -> Job:
    """Cancel at once if queued; ask a running job to stop at its next progress/check."""
    job = get_job(job_id, session=session, user=user)
    table = Job.__table__
    now = utcnow()
    done = session.execute(
        update(table)
        .where(table.c.id == job_id, table.c.status == JobStatus.queued.value)
        .values(
            status=JobStatus.cancelled.value,
            cancel_requested=True,
            finished_at=now,
            message="cancelled",
        )
    ).rowcount
    if not done:
        session.execute(
            update(table)
            .where(table.c.id == job_id, table.c.status == JobStatus.running.value)
            .values(cancel_requested=True)
        )
    session.flush()
    session.refresh(job)
    if JobStatus(job.status) in (JobStatus.succeeded, JobStatus.failed):
        raise Conflict(f"job already {job.status}")
    return job


def retry_job(job_id: str, *, session: Session, user: User | None) -> Job:
    """Run a failed or cancelled job again, with a fresh retry budget.

    Commits before dispatching: the worker must find the row queued when it picks it up.
    """
    from jobs.dispatch import dispatch

    job = get_job(job_id, session=session, user=user)
    if job.status not in (JobStatus.failed.value, JobStatus.cancelled.value):
        raise Conflict(f"only failed or cancelled jobs can be retried (this one is {job.status})")
    job.status = JobStatus.queued.value
    job.attempts = 0
    job.cancel_requested = False
    job.progress = 0.0
    job.message = "retry requested"
    job.error = ""
    job.result = None
    job.worker = ""
    job.started_at = job.finished_at = job.heartbeat_at = job.next_attempt_at = None
    session.add(job)
    session.commit()
    try:
        dispatch(job.id, 0)
    except Exception as exc:
        job.status = JobStatus.failed.value
        job.error = f"job queue unavailable: {exc}"
        job.finished_at = utcnow()
        session.add(job)
        session.commit()
        raise
    return job
