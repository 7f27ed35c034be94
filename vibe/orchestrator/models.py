"""The MCP registry: servers, their cached tools, health checks and the audit trail of calls."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from vibe.core.db import utcnow


class Transport(StrEnum):
    stdio = "stdio"
    streamable_http = "streamable_http"
    sse = "sse"


class Scope(StrEnum):
    global_ = "global"
    project = "project"


class Placement(StrEnum):
    local = "local"
    space = "space"


class McpServer(SQLModel, table=True):
    """One configured MCP server. Secret env values and headers are Fernet-encrypted at rest."""

    __tablename__ = "mcp_servers"
    __table_args__ = (UniqueConstraint("scope_key", "name", name="uq_mcp_server_scope_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40)
    description: str = Field(default="", max_length=1000)
    scope: str = Field(default=Scope.global_.value, max_length=10)
    project_id: int | None = Field(
        default=None, foreign_key="projects.id", index=True, ondelete="CASCADE"
    )
    # "global" or "project:<id>": one unique key that works on SQLite and PostgreSQL alike
    # (a NULL project_id would defeat a (project_id, name) constraint).
    scope_key: str = Field(default="global", max_length=40, index=True)
    owner_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    transport: str = Field(default=Transport.stdio.value, max_length=20)
    command: str = Field(default="", max_length=1000)
    args: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    env_plain: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    env_secret_enc: str = Field(default="")
    cwd: str = Field(default="", max_length=1000)
    url: str = Field(default="", max_length=2000)
    headers_enc: str = Field(default="")
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    enabled: bool = True
    placement: str = Field(default=Placement.local.value, max_length=10)
    priority: int = 0
    timeout_seconds: float = 60.0
    max_concurrency: int = 8
    rate_limit_per_minute: int = 0
    read_only: bool = False
    confirm_mutations: bool = False
    allowed_tools: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    denied_tools: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class McpTool(SQLModel, table=True):
    """A tool, resource or prompt a server offered when it was last listed."""

    __tablename__ = "mcp_tools"
    __table_args__ = (UniqueConstraint("server_id", "kind", "name", name="uq_mcp_tool"),)

    id: int | None = Field(default=None, primary_key=True)
    server_id: int = Field(foreign_key="mcp_servers.id", index=True, ondelete="CASCADE")
    kind: str = Field(default="tool", max_length=10)  # tool | resource | prompt
    name: str = Field(max_length=500)
    description: str = Field(default="")
    input_schema: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    annotations: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    updated_at: datetime = Field(default_factory=utcnow)


class McpHealth(SQLModel, table=True):
    __tablename__ = "mcp_health"

    id: int | None = Field(default=None, primary_key=True)
    server_id: int = Field(foreign_key="mcp_servers.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, index=True)
    ok: bool = False
    latency_ms: float | None = None
    error: str = Field(default="", max_length=1000)


class McpAudit(SQLModel, table=True):
    """One row per tool call through the gateway; arguments are kept only as a digest."""

    __tablename__ = "mcp_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    server_id: int | None = Field(default=None, foreign_key="mcp_servers.id", ondelete="SET NULL")
    server_name: str = Field(default="", max_length=40)
    tool: str = Field(default="", max_length=500)
    args_sha256: str = Field(default="", max_length=64)
    duration_ms: float = 0.0
    outcome: str = Field(default="ok", max_length=20)  # ok | tool_error | error | timeout | denied
    error: str = Field(default="", max_length=1000)
