"""/api/v1 routes of the jobs feature: list, show, cancel and retry the caller's jobs."""

from __future__ import annotations

from fastapi import APIRouter, Query

from vibe.auth.deps import DB, CurrentUser
from vibe.jobs import service
from vibe.jobs.models import JobPublic, JobStatus

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("", response_model=list[JobPublic])
def list_jobs(
    user: CurrentUser,
    session: DB,
    status: JobStatus | None = None,
    kind: str | None = None,
    project_id: int | None = None,
    limit: int = Query(50, ge=1, le=service.MAX_PAGE),
    offset: int = Query(0, ge=0),
) -> list[JobPublic]:
    """Jobs the caller started or that belong to their projects, newest first."""
    jobs = service.list_jobs(
        session=session,
        user=user,
        status=status,
        kind=kind,
        project_id=project_id,
        limit=limit,
        offset=offset,
    )
    return [JobPublic.model_validate(j, from_attributes=True) for j in jobs]


@router.get("/{job_id}", response_model=JobPublic)
def get_job(job_id: str, user: CurrentUser, session: DB) -> JobPublic:
    """One job with its progress, result or error."""
    job = service.get_job(job_id, session=session, user=user)
    return JobPublic.model_validate(job, from_attributes=True)


@router.post("/{job_id}/cancel", response_model=JobPublic)
def cancel_job(job_id: str, user: CurrentUser, session: DB) -> JobPublic:
    """Cancel a queued job at once, or ask a running one to stop."""
    job = service.cancel_job(job_id, session=session, user=user)
    return JobPublic.model_validate(job, from_attributes=True)


@router.post("/{job_id}/retry", response_model=JobPublic)
def retry_job(job_id: str, user: CurrentUser, session: DB) -> JobPublic:
    """Queue a failed or cancelled job again."""
    job = service.retry_job(job_id, session=session, user=user)
    return JobPublic.model_validate(job, from_attributes=True)
