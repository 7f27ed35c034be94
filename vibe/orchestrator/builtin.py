"""Vibe's own MCP servers (`workspace`, `graph`) as preconfigured global servers.

They run as stdio children, ``python -m vibe.orchestrator.servers.<name>``, supervised like any
other server (own process group, restarts, breaker, leak checks), so a slow search or a crash in
a tool never touches the app's event loop. Two things make them different from a third-party
server, and both are computed here rather than stored in their rows:

* their environment: the settings they need to reach the same database and workspaces as the
  app (``runtime_env``, merged into the spec by ``registry.to_spec``), never stored in a row;
* the caller: the orchestrator adds a signed identity assertion to each call's ``_meta``
  (``call_meta``), so the server acts as the gateway's authenticated user.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from vibe.core.config import get_settings
from vibe.core.db import utcnow
from vibe.orchestrator.models import McpServer

MODULE_PREFIX = "vibe.orchestrator.servers."
BUILTIN_NAMES = ("workspace", "graph")
FORWARDED_SETTINGS = ("max_file_bytes", "max_upload_bytes", "log_level")


@dataclass(frozen=True)
class Preset:
    """A server Vibe configures itself; ``missing`` says why it cannot run here ("" = can)."""

    name: str
    description: str
    command: str
    args: list[str]
    tags: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    secret_env: dict[str, str] = field(default_factory=dict)
    missing: str = ""
    read_only: bool = False
    timeout_seconds: float = 60.0


def presets() -> list[Preset]:
    return [
        Preset(
            name="workspace",
            description="Your projects' files: list, read, search and write, with your roles.",
            command=sys.executable,
            args=["-m", MODULE_PREFIX + "workspace"],
            tags=["files", "workspace", "search"],
        ),
        Preset(
            name="graph",
            description="The code knowledge graph: search, callers, callees, paths, impact.",
            command=sys.executable,
            args=["-m", MODULE_PREFIX + "graph"],
            tags=["graph", "code-intelligence", "callers", "impact"],
        ),
    ]


def builtin_name(spec: Any) -> str | None:
    """The built-in server a spec runs (``workspace``/``graph``), or None."""
    args = list(getattr(spec, "args", []) or [])
    if getattr(spec, "transport", "") != "stdio" or len(args) != 2 or args[0] != "-m":
        return None
    module = str(args[1])
    name = module.removeprefix(MODULE_PREFIX)
    return name if module.startswith(MODULE_PREFIX) and name in BUILTIN_NAMES else None


def runtime_env(row: Any) -> dict[str, str]:
    """Settings a built-in child needs to see the app's database and workspaces."""
    if builtin_name(row) is None:
        return {}
    from vibe.core.security import secret_key

    settings = get_settings()
    env = {
        "VIBE_DATA_DIR": str(settings.data_dir.resolve()),
        "VIBE_DATABASE_URL": settings.resolved_database_url,
        "VIBE_SECRET_KEY": secret_key(),
        "VIBE_LOG_JSON": "true",
    }
    for name in FORWARDED_SETTINGS:
        env[f"VIBE_{name.upper()}"] = str(getattr(settings, name))
    return env


def call_meta(spec: Any, user_id: int) -> dict[str, Any] | None:
    """The ``_meta`` of a tool call to a built-in server on behalf of ``user_id``."""
    name = builtin_name(spec)
    if name is None:
        return None
    from vibe.orchestrator.servers.common import identity_meta

    return identity_meta(name, user_id)


def all_presets() -> list[Preset]:
    from vibe.orchestrator import offshelf

    return presets() + offshelf.presets()


def preconfigure(*, session: Session, refresh: bool = True) -> list[McpServer]:
    """Create the preconfigured global servers that do not exist yet; refresh the launch
    command of those that do (a new interpreter or tools folder). Flags an administrator
    changed stay as they are. A server whose environment is missing starts disabled."""
    rows = []
    for preset in all_presets():
        row = session.exec(
            select(McpServer).where(McpServer.scope_key == "global", McpServer.name == preset.name)
        ).first()
        if row is None:
            row = _create(preset, session=session)
        elif refresh:
            _refresh(row, preset)
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def _create(preset: Preset, *, session: Session) -> McpServer:
    from vibe.orchestrator.registry import _set_secrets

    row = McpServer(
        name=preset.name,
        description=preset.description,
        scope="global",
        scope_key="global",
        transport="stdio",
        command=preset.command,
        args=list(preset.args),
        env_plain=dict(preset.env),
        tags=list(preset.tags),
        enabled=not preset.missing,
        read_only=preset.read_only,
        timeout_seconds=preset.timeout_seconds,
    )
    _set_secrets(row, dict(preset.secret_env), {})
    return row


def _refresh(row: McpServer, preset: Preset) -> None:
    from vibe.orchestrator.registry import _set_secrets, secrets_of

    row.command, row.args = preset.command, list(preset.args)
    row.env_plain = {**row.env_plain, **preset.env}
    if preset.secret_env:
        env, headers = secrets_of(row)
        _set_secrets(row, {**env, **preset.secret_env}, headers)
    row.updated_at = utcnow()


def missing_reason(name: str) -> str:
    """Why the preconfigured server ``name`` cannot run here ("" when it can or is not ours)."""
    for preset in all_presets():
        if preset.name == name:
            return preset.missing
    return ""


async def preconfigure_at_start() -> None:
    """App lifespan task: make sure the preconfigured servers exist (never fails the start)."""
    import logging

    import anyio

    from vibe.core.db import session_scope

    def run() -> None:
        with session_scope() as session:
            preconfigure(session=session)

    try:
        await anyio.to_thread.run_sync(run)
    except Exception:
        logging.getLogger("vibe.mcp").exception("could not preconfigure the MCP servers")
