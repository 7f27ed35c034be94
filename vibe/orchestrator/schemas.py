"""What a client sends to create or change an MCP server, and what it gets back."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
SECRET_PLACEHOLDER = "${{secret:{}}}"
SECRET_RE = re.compile(r"^\$\{secret:([^}]+)\}$")
SECRET_KEY_HINTS = ("TOKEN", "SECRET", "KEY", "PASSWORD", "PASSWD", "AUTH", "CREDENTIAL", "PAT")

TransportName = Literal["stdio", "streamable_http", "sse"]


def looks_secret(env_key: str) -> bool:
    """Env names that usually carry credentials; their values are stored encrypted."""
    upper = env_key.upper()
    return any(hint in upper for hint in SECRET_KEY_HINTS)


class ServerFlags(BaseModel):
    description: str = Field("", max_length=1000)
    tags: list[str] = Field(default_factory=list)
    enabled: bool = True
    placement: Literal["local", "space"] = "local"
    priority: int = 0
    timeout_seconds: float = Field(60.0, gt=0, le=3600)
    max_concurrency: int = Field(8, ge=1, le=256)
    rate_limit_per_minute: int = Field(0, ge=0)
    read_only: bool = False
    confirm_mutations: bool = False
    allowed_tools: list[str] = Field(default_factory=list)
    denied_tools: list[str] = Field(default_factory=list)


class ServerIn(ServerFlags):
    """A server definition; `secret_env` and `headers` are encrypted at rest, never echoed."""

    name: str
    scope: Literal["global", "project"] = "global"
    project_id: int | None = None
    transport: TransportName = "stdio"
    command: str = Field("", max_length=1000)
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    secret_env: dict[str, str] = Field(default_factory=dict)
    cwd: str = Field("", max_length=1000)
    url: str = Field("", max_length=2000)
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_RE.match(value):
            raise ValueError(
                "use 1-40 letters, digits, '-' or '_', starting with a letter or digit"
            )
        return value


class ServerPatch(BaseModel):
    """Partial update; absent fields stay as they are."""

    description: str | None = None
    tags: list[str] | None = None
    enabled: bool | None = None
    placement: Literal["local", "space"] | None = None
    priority: int | None = None
    timeout_seconds: float | None = Field(None, gt=0, le=3600)
    max_concurrency: int | None = Field(None, ge=1, le=256)
    rate_limit_per_minute: int | None = Field(None, ge=0)
    read_only: bool | None = None
    confirm_mutations: bool | None = None
    allowed_tools: list[str] | None = None
    denied_tools: list[str] | None = None
    command: str | None = None
    args: list[str] | None = None
    env: dict[str, str] | None = None
    secret_env: dict[str, str] | None = None
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] | None = None


class ServerPublic(BaseModel):
    id: int
    name: str
    description: str
    scope: str
    project_id: int | None
    transport: str
    command: str
    args: list[str]
    env: dict[str, str]
    secret_env_keys: list[str]
    header_keys: list[str]
    cwd: str
    url: str
    tags: list[str]
    enabled: bool
    placement: str
    priority: int
    timeout_seconds: float
    max_concurrency: int
    rate_limit_per_minute: int
    read_only: bool
    confirm_mutations: bool
    allowed_tools: list[str]
    denied_tools: list[str]
    created_at: datetime
    updated_at: datetime
    status: dict[str, Any] = Field(default_factory=dict)
