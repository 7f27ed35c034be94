"""The registry service: who may see and change which MCP server, and the rows behind them.

Global servers are visible to everyone and changed by administrators. Project servers are
visible to the project's members and changed by its editors; for anyone else they do not exist
(NotFound). Stdio servers run a command on this machine, so only administrators add them, and
HTTP servers added by other users may not point at private or loopback addresses unless
``VIBE_MCP_ALLOW_PRIVATE_URLS`` says so.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from vibe.auth.models import User
from vibe.core.config import get_settings
from vibe.core.db import utcnow
from vibe.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vibe.core.security import decrypt, encrypt
from vibe.orchestrator import config_io
from vibe.orchestrator.clients import ServerSpec
from vibe.orchestrator.models import McpServer
from vibe.orchestrator.schemas import SECRET_RE, ServerIn, ServerPatch, ServerPublic
from vibe.projects.models import Membership, Role

EDIT_ROLES = {Role.editor.value, Role.owner.value}


def _member_roles(user: User, *, session: Session) -> dict[int, str]:
    rows = session.exec(
        select(Membership.project_id, Membership.role).where(Membership.user_id == user.id)
    ).all()
    return {int(project_id): role for project_id, role in rows}


def list_servers(user: User, *, session: Session, project_id: int | None = None) -> list[McpServer]:
    """Global servers plus those of the user's projects (only ``project_id``'s, if given)."""
    roles = _member_roles(user, session=session)
    projects = [project_id] if project_id is not None else list(roles)
    projects = [p for p in projects if p in roles]
    query = select(McpServer).where(
        (col(McpServer.scope) == "global") | col(McpServer.project_id).in_(projects)
    )
    return list(session.exec(query.order_by(col(McpServer.name), col(McpServer.id))).all())


def visible_ids(user: User, *, session: Session) -> set[int]:
    return {int(row.id) for row in list_servers(user, session=session) if row.id is not None}


class Rights(NamedTuple):
    """What a user may do to one server: change its settings, remove it."""

    change: bool
    remove: bool


def rights(user: User, rows: list[McpServer], *, session: Session) -> dict[int, Rights]:
    """Per row, by the rules update_server and delete_server apply, so the pages offer a control
    only where its change would be accepted: removing needs write access to the row; changing
    needs that, and for a stdio server an administrator (update_server checks the transport
    again). The one case left to the change's own error: a URL an administrator gave that
    points at a private address (checking it here would mean a DNS lookup per refresh)."""
    roles = {} if user.is_admin else _member_roles(user, session=session)
    found = {}
    for row in rows:
        remove = user.is_admin or (
            row.scope == "project" and roles.get(int(row.project_id or 0)) in EDIT_ROLES
        )
        change = remove and (user.is_admin or row.transport != "stdio")
        found[int(row.id or 0)] = Rights(change, remove)
    return found


def get_server(user: User, server_id: int, *, session: Session, write: bool = False) -> McpServer:
    """The server if ``user`` may see it (and change it, with ``write``); else NotFound."""
    row = session.get(McpServer, server_id)
    if row is None:
        raise NotFound("MCP server not found")
    if row.scope == "project":
        role = _member_roles(user, session=session).get(int(row.project_id or 0))
        if role is None and not user.is_admin:
            raise NotFound("MCP server not found")
        if write and role not in EDIT_ROLES and not user.is_admin:
            raise Forbidden("only the project's editors and owners can change its MCP servers")
    elif write and not user.is_admin:
        raise Forbidden("only administrators can change global MCP servers")
    return row


def create_server(user: User, data: ServerIn, *, session: Session) -> McpServer:
    """Add a server after checking scope rights, transport fields and the URL's target."""
    _check_scope(user, data.scope, data.project_id, session=session)
    _check_transport(user, data.transport, data.command, data.url)
    scope_key = _scope_key(data.scope, data.project_id)
    if session.exec(
        select(McpServer).where(McpServer.scope_key == scope_key, McpServer.name == data.name)
    ).first():
        raise Conflict(f"an MCP server named '{data.name}' already exists here")
    row = McpServer(
        name=data.name,
        scope=data.scope,
        project_id=data.project_id if data.scope == "project" else None,
        scope_key=scope_key,
        owner_id=user.id,
        transport=data.transport,
        command=data.command,
        args=list(data.args),
        env_plain=dict(data.env),
        cwd=data.cwd,
        url=data.url,
        **data.model_dump(include=set(_FLAG_FIELDS)),
    )
    _set_secrets(row, data.secret_env, data.headers)
    session.add(row)
    session.flush()
    return row


_FLAG_FIELDS = (
    "description",
    "tags",
    "enabled",
    "placement",
    "priority",
    "timeout_seconds",
    "max_concurrency",
    "rate_limit_per_minute",
    "read_only",
    "confirm_mutations",
    "allowed_tools",
    "denied_tools",
)


def update_server(user: User, server_id: int, patch: ServerPatch, *, session: Session) -> McpServer:
    """Change the given fields; secrets given as ``${secret:NAME}`` keep their stored value."""
    row = get_server(user, server_id, session=session, write=True)
    changes = patch.model_dump(exclude_unset=True)
    secret_env = changes.pop("secret_env", None)
    headers = changes.pop("headers", None)
    if "env" in changes:
        changes["env_plain"] = changes.pop("env")
    for key, value in changes.items():
        setattr(row, key, value)
    if secret_env is not None or headers is not None:
        old_env, old_headers = secrets_of(row)
        _set_secrets(
            row,
            _keep_placeholders(secret_env, old_env, "secret_env"),
            _keep_placeholders(headers, old_headers, "headers"),
        )
    _check_transport(user, row.transport, row.command, row.url)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def delete_server(user: User, server_id: int, *, session: Session) -> None:
    row = get_server(user, server_id, session=session, write=True)
    session.delete(row)
    session.flush()


def _scope_key(scope: str, project_id: int | None) -> str:
    return "global" if scope == "global" else f"project:{project_id}"


def _check_scope(user: User, scope: str, project_id: int | None, *, session: Session) -> None:
    if scope == "global":
        if not user.is_admin:
            raise Forbidden("only administrators can add global MCP servers")
        return
    if project_id is None:
        raise ValidationFailed("project_id: required for project servers")
    role = _member_roles(user, session=session).get(project_id)
    if role is None and not user.is_admin:
        raise NotFound("project not found")
    if role not in EDIT_ROLES and not user.is_admin:
        raise Forbidden("only the project's editors and owners can add MCP servers")


def _check_transport(user: User, transport: str, command: str, url: str) -> None:
    if transport == "stdio":
        if not command:
            raise ValidationFailed("command: required for stdio")
        if not user.is_admin:
            raise Forbidden("stdio servers run a command on this machine: administrators only")
        return
    if not url:
        raise ValidationFailed(f"url: required for {transport}")
    check_url(url, allow_private=user.is_admin or get_settings().mcp_allow_private_urls)


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse non-HTTP URLs, and private/loopback targets unless ``allow_private``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("url: must be an http:// or https:// URL with a host")
    if allow_private:
        return
    for address in _addresses(parts.hostname):
        if not address.is_global:
            raise ValidationFailed(
                f"url: {parts.hostname} is a private or loopback address ({address}); "
                "an administrator can allow these with VIBE_MCP_ALLOW_PRIVATE_URLS"
            )


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise ValidationFailed(f"url: cannot resolve {host}") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


# -- secrets --------------------------------------------------------------------------------


def _set_secrets(row: McpServer, env: dict[str, str], headers: dict[str, str]) -> None:
    for where, values in (("secret_env", env), ("headers", headers)):
        for key, value in values.items():
            if SECRET_RE.match(value):
                raise ValidationFailed(f"{where}.{key}: a ${{secret:...}} placeholder has no value")
    row.env_secret_enc = encrypt(json.dumps(env)) if env else ""
    row.headers_enc = encrypt(json.dumps(headers)) if headers else ""


def secrets_of(row: McpServer) -> tuple[dict[str, str], dict[str, str]]:
    env = json.loads(decrypt(row.env_secret_enc)) if row.env_secret_enc else {}
    headers = json.loads(decrypt(row.headers_enc)) if row.headers_enc else {}
    return env, headers


def _keep_placeholders(
    new: dict[str, str] | None, old: dict[str, str], where: str
) -> dict[str, str]:
    if new is None:
        return old
    kept = {}
    for key, value in new.items():
        match = SECRET_RE.match(value)
        if match and match.group(1) in old:
            kept[key] = old[match.group(1)]
        else:
            kept[key] = value
    return kept


# -- conversions ----------------------------------------------------------------------------


def to_spec(row: McpServer) -> ServerSpec:
    """The supervisor's view of a row, secrets decrypted."""
    from vibe.orchestrator.builtin import runtime_env

    env, headers = secrets_of(row)
    return ServerSpec(
        id=int(row.id or 0),
        name=row.name,
        transport=row.transport,
        command=row.command,
        args=list(row.args),
        env={**row.env_plain, **env, **runtime_env(row)},
        cwd=row.cwd,
        url=row.url,
        headers=headers,
        scope=row.scope,
        project_id=row.project_id,
        **{key: getattr(row, key) for key in _FLAG_FIELDS if key != "description"},
    )


def to_public(row: McpServer, status: dict[str, Any] | None = None) -> ServerPublic:
    env, headers = secrets_of(row)
    return ServerPublic(
        id=int(row.id or 0),
        scope=row.scope,
        project_id=row.project_id,
        transport=row.transport,
        name=row.name,
        command=row.command,
        args=row.args,
        env=row.env_plain,
        secret_env_keys=sorted(env),
        header_keys=sorted(headers),
        cwd=row.cwd,
        url=row.url,
        created_at=row.created_at,
        updated_at=row.updated_at,
        status=status or {},
        **{key: getattr(row, key) for key in _FLAG_FIELDS},
    )


def to_server_in(row: McpServer) -> ServerIn:
    env, headers = secrets_of(row)
    return ServerIn(
        name=row.name,
        scope=row.scope,  # type: ignore[arg-type]
        project_id=row.project_id,
        transport=row.transport,  # type: ignore[arg-type]
        command=row.command,
        args=row.args,
        env=row.env_plain,
        secret_env=env,
        cwd=row.cwd,
        url=row.url,
        headers=headers,
        **{key: getattr(row, key) for key in _FLAG_FIELDS},
    )


# -- import / export ------------------------------------------------------------------------


def import_servers(
    user: User,
    document: str | dict[str, Any],
    *,
    session: Session,
    scope: str = "global",
    project_id: int | None = None,
) -> list[McpServer]:
    """Create or update every server of a client config file, all or nothing."""
    imported = config_io.parse_config(document)
    scope_key = _scope_key(scope, project_id)
    rows = []
    for data in imported:
        data.scope, data.project_id = scope, project_id  # type: ignore[assignment]
        existing = session.exec(
            select(McpServer).where(McpServer.scope_key == scope_key, McpServer.name == data.name)
        ).first()
        if existing is None:
            rows.append(create_server(user, data, session=session))
        else:
            patch = ServerPatch(**data.model_dump(exclude={"name", "scope", "project_id"}))
            rows.append(update_server(user, int(existing.id or 0), patch, session=session))
    return rows


def export_servers(
    user: User,
    *,
    session: Session,
    fmt: config_io.Format = "mcpServers",
    project_id: int | None = None,
) -> dict[str, Any]:
    rows = list_servers(user, session=session, project_id=project_id)
    if project_id is not None:
        rows = [r for r in rows if r.project_id == project_id]
    return config_io.export_config([to_server_in(r) for r in rows], fmt)


def enabled_specs(*, session: Session) -> list[ServerSpec]:
    """Every enabled local server: what the supervisor should be running."""
    rows = session.exec(
        select(McpServer).where(McpServer.enabled == True, McpServer.placement == "local")  # noqa: E712
    ).all()
    return [to_spec(r) for r in rows]
