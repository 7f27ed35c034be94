"""REST routes of the MCP orchestrator under /api/v1/mcp.

Routes are async so that they can reach the supervisor on the serving event loop; database work
goes through ``_db`` (a worker thread with its own committed session), and every change to a
server row is followed by a reload so the supervisor starts, restarts or stops it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from vibe.auth.deps import CurrentCaller
from vibe.auth.models import User
from vibe.core.db import session_scope
from vibe.core.errors import NotFound
from vibe.orchestrator import health, registry
from vibe.orchestrator.gateway import GatewayRuntime
from vibe.orchestrator.schemas import ServerIn, ServerPatch, ServerPublic
from vibe.orchestrator.service import Orchestrator, Principal
from vibe.orchestrator.supervisor import probe

router = APIRouter(prefix="/mcp", tags=["mcp"])
T = TypeVar("T")


class ImportIn(BaseModel):
    config: dict[str, Any] | str
    scope: Literal["global", "project"] = "global"
    project_id: int | None = None


class CallIn(BaseModel):
    arguments: dict[str, Any] = {}


async def _db(user: User, work: Callable[[User, Session], T]) -> T:
    def run() -> T:
        with session_scope() as session:
            fresh = session.get(User, user.id)
            if fresh is None:
                raise NotFound("user not found")
            return work(fresh, session)

    return await run_in_threadpool(run)


async def _orch(request: Request) -> Orchestrator:
    runtime: GatewayRuntime = request.app.state.mcp
    return await runtime.ensure_running()


def _public(orch: Orchestrator, row: Any) -> ServerPublic:
    return registry.to_public(row, orch.status(int(row.id)))


@router.get("/servers")
async def list_servers(
    request: Request, caller: CurrentCaller, project_id: int | None = None
) -> list[ServerPublic]:
    """The MCP servers the caller can see: global ones and their projects' ones."""
    orch = await _orch(request)
    return await _db(
        caller.user,
        lambda u, s: [
            _public(orch, r) for r in registry.list_servers(u, session=s, project_id=project_id)
        ],
    )


@router.post("/servers", status_code=201)
async def create_server(request: Request, caller: CurrentCaller, data: ServerIn) -> ServerPublic:
    """Add a server (global: administrators; project: the project's editors)."""
    orch = await _orch(request)
    server_id = await _db(caller.user, lambda u, s: registry.create_server(u, data, session=s).id)
    await orch.reload()
    return await _db(
        caller.user, lambda u, s: _public(orch, registry.get_server(u, server_id, session=s))
    )


@router.get("/servers/{server_id}")
async def get_server(request: Request, caller: CurrentCaller, server_id: int) -> ServerPublic:
    """One server with its live status, stderr tail and health."""
    orch = await _orch(request)
    return await _db(
        caller.user, lambda u, s: _public(orch, registry.get_server(u, server_id, session=s))
    )


@router.patch("/servers/{server_id}")
async def update_server(
    request: Request, caller: CurrentCaller, server_id: int, patch: ServerPatch
) -> ServerPublic:
    """Change a server; a new command or URL restarts it, flags apply at once."""
    orch = await _orch(request)
    await _db(caller.user, lambda u, s: registry.update_server(u, server_id, patch, session=s))
    await orch.reload()
    return await _db(
        caller.user, lambda u, s: _public(orch, registry.get_server(u, server_id, session=s))
    )


@router.delete("/servers/{server_id}", status_code=204)
async def delete_server(request: Request, caller: CurrentCaller, server_id: int) -> Response:
    """Remove a server; its process tree is stopped."""
    orch = await _orch(request)
    await _db(caller.user, lambda u, s: registry.delete_server(u, server_id, session=s))
    await orch.reload()
    return Response(status_code=204)


@router.get("/servers/{server_id}/health")
async def health_history(
    caller: CurrentCaller, server_id: int, limit: int = Query(100, ge=1, le=1000)
) -> list[dict[str, Any]]:
    """The server's latest health checks, newest first (older ones are pruned as configured)."""

    def rows(user: User, session: Session) -> list[dict[str, Any]]:
        registry.get_server(user, server_id, session=session)  # NotFound unless visible
        return [
            {"at": r.at, "ok": r.ok, "latency_ms": r.latency_ms, "error": r.error}
            for r in health.history(session=session, server_id=server_id, limit=limit)
        ]

    return await _db(caller.user, rows)


@router.post("/servers/{server_id}/test")
async def test_server(request: Request, caller: CurrentCaller, server_id: int) -> dict[str, Any]:
    """Connect once with the stored settings and list the tools, without touching the live one."""
    spec = await _db(
        caller.user,
        lambda u, s: registry.to_spec(registry.get_server(u, server_id, session=s, write=True)),
    )
    return await probe(spec, timeout=min(spec.timeout_seconds, 30.0))


@router.post("/import")
async def import_config(
    request: Request, caller: CurrentCaller, body: ImportIn
) -> list[ServerPublic]:
    """Create or update servers from a Claude Desktop / Cursor / VS Code config file."""
    orch = await _orch(request)
    ids = await _db(
        caller.user,
        lambda u, s: [
            int(r.id or 0)
            for r in registry.import_servers(
                u, body.config, session=s, scope=body.scope, project_id=body.project_id
            )
        ],
    )
    await orch.reload()
    return await _db(
        caller.user, lambda u, s: [_public(orch, registry.get_server(u, i, session=s)) for i in ids]
    )


@router.get("/export")
async def export_config(
    caller: CurrentCaller,
    format: Literal["mcpServers", "vscode"] = Query("mcpServers"),
    project_id: int | None = None,
) -> dict[str, Any]:
    """The visible servers as a client config file; secrets appear as ${secret:NAME}."""
    return await _db(
        caller.user,
        lambda u, s: registry.export_servers(u, session=s, fmt=format, project_id=project_id),
    )


@router.get("/tools")
async def list_tools(request: Request, caller: CurrentCaller) -> list[dict[str, Any]]:
    """The namespaced tools the gateway offers the caller right now."""
    orch = await _orch(request)
    catalog = await orch.catalog(int(caller.user.id or 0))
    return [
        {
            "name": name,
            "server": runtime.spec.name,
            "tool": tool.name,
            "description": tool.description or "",
            "input_schema": tool.input_schema,
        }
        for name, (runtime, tool) in sorted(catalog.tools.items())
    ]


@router.post("/tools/{name}/call")
async def call_tool(
    request: Request, caller: CurrentCaller, name: str, body: CallIn = Body(default_factory=CallIn)
) -> dict[str, Any]:
    """Call a namespaced tool as the caller; tool errors come back with is_error set."""
    orch = await _orch(request)
    scopes = frozenset(caller.token.scopes.split()) if caller.token else frozenset({"write"})
    principal = Principal(
        int(caller.user.id or 0), caller.token.id if caller.token else None, scopes
    )
    result = await orch.call_tool(principal, name, body.arguments)
    return result.model_dump(mode="json", by_alias=True, exclude_none=True)


@router.get("/route")
async def explain_route(
    request: Request,
    caller: CurrentCaller,
    capability: str,
    project_id: int | None = None,
    tool: str | None = None,
) -> dict[str, Any]:
    """Which server would serve ``capability``, with the reason for every candidate."""
    orch = await _orch(request)
    return await orch.explain(
        int(caller.user.id or 0), capability, project_id=project_id, tool=tool
    )
