"""Every feature's models, imported so that Alembic's metadata sees all tables."""

from sqlmodel import SQLModel

import vibe.assistant.models
import vibe.graph.models  # noqa: F401  (graph tables)
from vibe.auth.models import ApiToken, Identity, LoginSession, User
from vibe.jobs.models import Job, WorkerHeartbeat
from vibe.orchestrator.models import McpAudit, McpHealth, McpServer, McpTool
from vibe.projects.models import Membership, Project

metadata = SQLModel.metadata

__all__ = [
    "ApiToken",
    "Identity",
    "Job",
    "LoginSession",
    "McpAudit",
    "McpHealth",
    "McpServer",
    "McpTool",
    "Membership",
    "Project",
    "User",
    "WorkerHeartbeat",
    "metadata",
]
