"""Import and export of the MCP client config files people already have.

Two shapes are understood: ``{"mcpServers": {...}}`` (Claude Desktop, Cursor, Windsurf) and VS
Code's ``{"servers": {...}}`` with ``type`` stdio/http/sse. Errors name the field they are about
(``mcpServers.github.command: required for stdio``). Secrets never leave in clear: exported
secret env values and headers become ``${secret:NAME}`` placeholders, which an import maps back
onto the stored value of the same server.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vibe.core.errors import ValidationFailed
from vibe.orchestrator.schemas import NAME_RE, SECRET_PLACEHOLDER, ServerIn, looks_secret

Format = Literal["mcpServers", "vscode"]

TRANSPORT_ALIASES = {
    "stdio": "stdio",
    "http": "streamable_http",
    "streamable-http": "streamable_http",
    "streamable_http": "streamable_http",
    "streamablehttp": "streamable_http",
    "sse": "sse",
}
VSCODE_TYPES = {"stdio": "stdio", "streamable_http": "http", "sse": "sse"}


class _Entry(BaseModel):
    """One server entry as the client files write it; unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    type: str | None = None
    transport: str | None = None
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    description: str = ""
    disabled: bool = False
    tags: list[str] = Field(default_factory=list)


def parse_config(document: str | dict[str, Any]) -> list[ServerIn]:
    """Read either config shape into server definitions; raises ValidationFailed naming fields."""
    data = _load(document)
    root, entries = _root(data)
    servers: list[ServerIn] = []
    problems: list[str] = []
    for name, raw in entries.items():
        where = f"{root}.{name}"
        try:
            servers.append(_entry_to_server(name, raw, where))
        except ValidationFailed as exc:
            problems.append(exc.message)
    if problems:
        raise ValidationFailed("; ".join(problems))
    return servers


def _load(document: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(document, dict):
        return document
    try:
        data = json.loads(document)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    if not isinstance(data, dict):
        raise ValidationFailed("the config must be a JSON object")
    return data


def _root(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for key in ("mcpServers", "servers"):
        if key in data:
            entries = data[key]
            if not isinstance(entries, dict):
                raise ValidationFailed(f"{key}: must be an object of name -> server")
            return key, entries
    raise ValidationFailed('expected a "mcpServers" or "servers" object')


def _entry_to_server(name: str, raw: Any, where: str) -> ServerIn:
    if not NAME_RE.match(name):
        raise ValidationFailed(f"{where}: server names use 1-40 letters, digits, '-' or '_'")
    if not isinstance(raw, dict):
        raise ValidationFailed(f"{where}: must be an object")
    try:
        entry = _Entry.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed(_pydantic_message(exc, where)) from exc
    transport = _transport(entry, where)
    env, secret_env = _split_env(entry.env)
    server = ServerIn(
        name=name,
        description=entry.description,
        transport=transport,  # type: ignore[arg-type]
        command=entry.command or "",
        args=entry.args,
        env=env,
        secret_env=secret_env,
        cwd=entry.cwd or "",
        url=entry.url or "",
        headers=entry.headers,
        enabled=not entry.disabled,
        tags=entry.tags,
    )
    _check_required(server, where)
    return server


def _pydantic_message(exc: ValidationError, where: str) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}.{loc}: {err['msg'].lower()}")
    return "; ".join(parts)


def _transport(entry: _Entry, where: str) -> str:
    declared = entry.type or entry.transport
    if declared is not None:
        key = declared.strip().lower()
        if key not in TRANSPORT_ALIASES:
            field = "type" if entry.type is not None else "transport"
            raise ValidationFailed(
                f"{where}.{field}: unknown transport {declared!r} (use stdio, http or sse)"
            )
        return TRANSPORT_ALIASES[key]
    if entry.command:
        return "stdio"
    if entry.url:
        return "sse" if entry.url.rstrip("/").endswith("/sse") else "streamable_http"
    raise ValidationFailed(f"{where}: needs a command (stdio) or a url (http/sse)")


def _check_required(server: ServerIn, where: str) -> None:
    if server.transport == "stdio" and not server.command:
        raise ValidationFailed(f"{where}.command: required for stdio")
    if server.transport != "stdio" and not server.url:
        raise ValidationFailed(f"{where}.url: required for {server.transport}")
    if server.transport != "stdio" and not server.url.startswith(("http://", "https://")):
        raise ValidationFailed(f"{where}.url: must start with http:// or https://")


def _split_env(env: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    plain = {k: v for k, v in env.items() if not looks_secret(k)}
    secret = {k: v for k, v in env.items() if looks_secret(k)}
    return plain, secret


def export_config(servers: list[ServerIn], fmt: Format = "mcpServers") -> dict[str, Any]:
    """The config file for ``servers``; secret values are replaced by ``${secret:NAME}``."""
    entries = {server.name: _export_entry(server, fmt) for server in servers}
    return {"servers": entries} if fmt == "vscode" else {"mcpServers": entries}


def _export_entry(server: ServerIn, fmt: Format) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if fmt == "vscode":
        entry["type"] = VSCODE_TYPES[server.transport]
    elif server.transport != "stdio":
        entry["type"] = "http" if server.transport == "streamable_http" else "sse"
    if server.transport == "stdio":
        entry["command"] = server.command
        entry["args"] = list(server.args)
        env = dict(server.env)
        env.update({key: SECRET_PLACEHOLDER.format(key) for key in server.secret_env})
        if env:
            entry["env"] = env
        if server.cwd:
            entry["cwd"] = server.cwd
    else:
        entry["url"] = server.url
        if server.headers:
            entry["headers"] = {key: SECRET_PLACEHOLDER.format(key) for key in server.headers}
    if server.description:
        entry["description"] = server.description
    if not server.enabled:
        entry["disabled"] = True
    return entry
