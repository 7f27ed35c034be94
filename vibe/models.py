"""Every feature's models, imported so that Alembic's metadata sees all tables."""

from sqlmodel import SQLModel

from vibe.auth.models import ApiToken, Identity, LoginSession, User
from vibe.jobs.models import Job, WorkerHeartbeat
from vibe.projects.models import Membership, Project

metadata = SQLModel.metadata

__all__ = [
    "ApiToken",
    "Identity",
    "Job",
    "LoginSession",
    "Membership",
    "Project",
    "User",
    "WorkerHeartbeat",
    "metadata",
]
