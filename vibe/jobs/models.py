"""Job rows: the durable mirror of queued work, read by the UI, API and CLI."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from vibe.core.db import utcnow


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled)


class Job(SQLModel, table=True):
    __tablename__ = "jobs"

    id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=100, index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    project_id: int | None = Field(
        default=None, foreign_key="projects.id", index=True, ondelete="CASCADE"
    )
    args: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=JobStatus.queued.value, max_length=12, index=True)
    progress: float = 0.0
    message: str = Field(default="", max_length=500)
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    error: str = Field(default="")
    attempts: int = 0
    max_retries: int = 0
    cancel_requested: bool = False
    worker: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    next_attempt_at: datetime | None = None


class WorkerHeartbeat(SQLModel, table=True):
    """One row per live worker so /readyz can tell whether anything consumes the queue."""

    __tablename__ = "worker_heartbeats"

    name: str = Field(primary_key=True, max_length=200)
    seen_at: datetime = Field(default_factory=utcnow)
    pid: int = 0


class JobPublic(SQLModel):
    """What the API and UI show of a job (errors included: the job is the caller's own)."""

    id: str
    kind: str
    user_id: int | None
    project_id: int | None
    status: str
    progress: float
    message: str
    result: dict[str, Any] | None
    error: str
    attempts: int
    max_retries: int
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    next_attempt_at: datetime | None
