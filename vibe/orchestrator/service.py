"""The orchestrator: the supervisor plus the registry, seen per user.

It answers the gateway's questions (which tools may this user see, call this one for them) and
keeps the database in step: tool lists, health checks and one audit row per call. Database work
runs in worker threads so the event loop never waits on it.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import mcp_types as types
from sqlalchemy import event
from sqlmodel import col, delete

from vibe.auth import service as auth_service
from vibe.auth.models import ApiToken, User
from vibe.core import ratelimit
from vibe.core.config import get_settings
from vibe.core.db import session_scope
from vibe.core.errors import NotFound, RateLimited, VibeError
from vibe.core.redis import get_redis
from vibe.orchestrator import audit, builtin, registry, router
from vibe.orchestrator import health as metrics
from vibe.orchestrator.catalog import (
    Catalog,
    ToolEntry,
    argument_problems,
    build_catalog,
    error_json,
    prepare,
    take_confirmation,
)
from vibe.orchestrator.models import McpTool
from vibe.orchestrator.supervisor import CallFailed, ServerRuntime, Supervisor, Wire

log = logging.getLogger("vibe.mcp")

# A revoked token or disabled account stops working at once when the change is made in this
# process (see _forget_changed) and within this many seconds when made elsewhere (the CLI).
TOKEN_CACHE_SECONDS = 5.0
VISIBLE_CACHE_SECONDS = 5.0
_LIVE: weakref.WeakSet[Orchestrator] = weakref.WeakSet()

Listener = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Principal:
    user_id: int
    token_id: int | None = None
    scopes: frozenset[str] = frozenset({"read", "write"})

    def may_call(self) -> bool:
        return bool({"write", "admin"} & self.scopes)


def new_supervisor() -> Supervisor:
    settings = get_settings()
    return Supervisor(
        start_timeout=settings.mcp_start_timeout_seconds,
        backoff_max=settings.mcp_restart_backoff_max_seconds,
        breaker_failures=settings.mcp_breaker_failures,
        breaker_cooldown=settings.mcp_breaker_cooldown_seconds,
        health_interval=settings.mcp_health_interval_seconds,
    )


class Orchestrator:
    def __init__(self, supervisor: Supervisor) -> None:
        self.sup = supervisor
        self.listeners: list[Listener] = []
        self._tokens: dict[str, tuple[float, Principal]] = {}
        self._visible: dict[int, tuple[float, frozenset[int]]] = {}
        self._catalogs: dict[frozenset[int], tuple[int, Catalog]] = {}
        self._generation = 0
        self.audit = audit.AuditQueue(_save_audit)
        supervisor.on_change.append(self._changed)
        supervisor.on_health.append(self._health_checked)
        _LIVE.add(self)

    # -- keeping in step ------------------------------------------------------------------------

    async def reload(self) -> None:
        """Converge the supervisor on the registry (after any change to a server row)."""
        specs = await anyio.to_thread.run_sync(_enabled_specs)
        await self.sup.sync(specs)
        self._visible.clear()
        await self._bump()

    async def _changed(self, runtime: ServerRuntime) -> None:
        await anyio.to_thread.run_sync(prepare, list(runtime.tools))
        await anyio.to_thread.run_sync(_save_lists, runtime)
        await self._bump()

    async def _bump(self) -> None:
        self._generation += 1
        for listener in list(self.listeners):
            try:
                await listener()
            except Exception:  # a client that went away must not stop the others' updates
                continue

    async def _health_checked(
        self, runtime: ServerRuntime, ok: bool, latency: float | None, error: str
    ) -> None:
        await anyio.to_thread.run_sync(_save_health, runtime.spec.id, ok, latency, error)

    # -- who is asking --------------------------------------------------------------------------

    async def authenticate(self, token: str) -> Principal:
        """The principal behind an API token (cached briefly); raises Unauthorized."""
        now = time.monotonic()
        cached = self._tokens.get(token)
        if cached and cached[0] > now:
            return cached[1]
        principal = await anyio.to_thread.run_sync(principal_for_token, token)
        self._tokens[token] = (now + TOKEN_CACHE_SECONDS, principal)
        return principal

    def forget(self, *, token_id: int | None = None, user_id: int | None = None) -> None:
        """Drop cached principals of a token or a user (revoked, disabled, changed)."""
        for token, (_, principal) in list(self._tokens.items()):
            if (token_id is not None and principal.token_id == token_id) or (
                user_id is not None and principal.user_id == user_id
            ):
                self._tokens.pop(token, None)

    async def visible(self, user_id: int) -> frozenset[int]:
        now = time.monotonic()
        cached = self._visible.get(user_id)
        if cached and cached[0] > now:
            return cached[1]
        ids = frozenset(await anyio.to_thread.run_sync(_visible_ids, user_id))
        self._visible[user_id] = (now + VISIBLE_CACHE_SECONDS, ids)
        return ids

    async def catalog(self, user_id: int) -> Catalog:
        ids = await self.visible(user_id)
        cached = self._catalogs.get(ids)
        if cached and cached[0] == self._generation and not cached[1].stale():
            return cached[1]
        catalog = build_catalog([self.sup.runtimes[i] for i in ids if i in self.sup.runtimes])
        self._catalogs[ids] = (self._generation, catalog)
        return catalog

    # -- calls ----------------------------------------------------------------------------------

    async def call_tool(
        self, principal: Principal, name: str, arguments: dict[str, Any] | None
    ) -> types.CallToolResult:
        """Forward a namespaced tool call; every problem comes back as an error result."""
        result, _shaped = await self.call_tool_wire(principal, name, arguments)
        return types.CallToolResult.model_validate(result)

    async def call_tool_wire(
        self, principal: Principal, name: str, arguments: dict[str, Any] | None
    ) -> Wire:
        """``call_tool`` with the result in its wire form (and the protocol version it is already
        shaped for, if any), which the gateway's fast path can pass on as it came. Every check,
        metric and audit row is the same for both."""
        started = time.perf_counter()
        catalog = await self.catalog(principal.user_id)
        entry = catalog.entries.get(name)
        if entry is None:
            return error_json(catalog.refused.get(name) or f"unknown tool '{name}'"), None
        runtime, tool = entry.runtime, entry.tool
        arguments = dict(arguments or {})
        outcome, error, wire = "ok", "", None
        try:
            await self._check_call(principal, entry, name, arguments)
            wire = await self._forward(principal, runtime, tool.name, arguments)
            if wire[0].get("isError"):
                outcome, error = "tool_error", _text_of(wire[0])
        except CallFailed as exc:
            outcome, error = exc.outcome, exc.message
        except (VibeError, RateLimited) as exc:
            outcome, error = "denied", exc.message
        seconds = time.perf_counter() - started
        metrics.observe_call(runtime.spec.name, tool.name, outcome, seconds)
        self.audit.put((principal.user_id, runtime, tool.name, arguments, seconds, outcome, error))
        return wire if wire is not None else (error_json(error), None)

    async def _forward(
        self, principal: Principal, runtime: ServerRuntime, name: str, arguments: Any
    ) -> Wire:
        # Vibe's own servers act as the caller: they get a signed identity in `_meta`.
        meta = builtin.call_meta(runtime.spec, principal.user_id)
        return await self.sup.call_tool_wire(runtime.spec.id, name, arguments, meta=meta)

    async def flush_audit(self) -> None:
        """Wait until every queued audit row is written."""
        await self.audit.flush()

    async def _check_call(
        self, principal: Principal, entry: ToolEntry, name: str, arguments: dict[str, Any]
    ) -> None:
        if not principal.may_call():
            raise VibeError("this token lacks the 'write' scope needed to call tools")
        refusal = take_confirmation(entry, name, arguments)
        if refusal:
            raise VibeError(refusal)
        problems = argument_problems(entry, arguments)
        if problems:
            raise VibeError(f"invalid arguments for {entry.tool.name}: {problems}")
        spec = entry.runtime.spec
        if spec.rate_limit_per_minute:
            await _rate_limit(f"mcp:{spec.id}:{principal.user_id}", spec.rate_limit_per_minute)

    async def get_prompt(
        self, principal: Principal, name: str, arguments: dict[str, str] | None
    ) -> types.GetPromptResult:
        entry = (await self.catalog(principal.user_id)).prompts.get(name)
        if entry is None:
            raise NotFound(f"unknown prompt '{name}'")
        runtime, prompt = entry

        async def send(client: Any) -> types.GetPromptResult:
            return await client.get_prompt(prompt.name, arguments or {})

        return await self.sup.request(runtime.spec.id, send, label=prompt.name)

    async def read_resource(self, principal: Principal, uri: str) -> types.ReadResourceResult:
        entry = (await self.catalog(principal.user_id)).resources.get(uri)
        if entry is None:
            raise NotFound(f"unknown resource '{uri}'")
        runtime, resource = entry

        async def send(client: Any) -> types.ReadResourceResult:
            return await client.read_resource(str(resource.uri))

        return await self.sup.request(runtime.spec.id, send, label=str(resource.uri))

    # -- routing --------------------------------------------------------------------------------

    async def explain(
        self,
        user_id: int,
        capability: str,
        *,
        project_id: int | None = None,
        tool: str | None = None,
    ) -> dict[str, Any]:
        """Which visible server serves ``capability`` and why each other one does not."""
        rows = await anyio.to_thread.run_sync(_visible_rows, user_id)
        candidates = [self.candidate(row) for row in rows]
        return router.explain(capability, candidates, project_id=project_id, tool=tool)

    def candidate(self, spec: Any) -> router.Candidate:
        runtime = self.sup.runtimes.get(spec.id)
        snap = runtime.health.snapshot() if runtime else {}
        return router.Candidate(
            id=spec.id,
            name=spec.name,
            tags=list(spec.tags),
            enabled=spec.enabled,
            priority=spec.priority,
            placement=spec.placement,
            scope=spec.scope,
            project_id=spec.project_id,
            status=runtime.status if runtime else ("stopped" if spec.enabled else "disabled"),
            breaker=str(snap.get("breaker", "closed")),
            latency_ms=runtime.health.latency_ema_ms if runtime else None,
            retry_in=float(snap.get("retry_in_seconds", 0.0) or 0.0),
            error=runtime.error if runtime else "",
            read_only=spec.read_only,
            allowed_tools=list(spec.allowed_tools),
            denied_tools=list(spec.denied_tools),
        )

    def status(self, server_id: int) -> dict[str, Any]:
        runtime = self.sup.runtimes.get(server_id)
        return runtime.snapshot() if runtime else {"status": "stopped"}


async def _rate_limit(key: str, per_minute: int) -> None:
    """One hit on the caller's per-server budget; Redis round trips go to a worker thread."""
    try:
        if get_redis() is None:
            ratelimit.hit(key, per_minute)
        else:
            await anyio.to_thread.run_sync(ratelimit.hit, key, per_minute)
    except RateLimited as exc:
        raise RateLimited(f"rate limit of {per_minute} calls per minute reached") from exc


def _text_of(result: dict[str, Any]) -> str:
    content = result.get("content")
    texts = [
        str(c.get("text", ""))
        for c in (content if isinstance(content, list) else [])
        if isinstance(c, dict) and c.get("type") == "text"
    ]
    return " ".join(texts)[:1000]


# -- database work, run in threads --------------------------------------------------------------


def _enabled_specs() -> list[Any]:
    with session_scope() as session:
        return registry.enabled_specs(session=session)


def principal_for_token(token: str) -> Principal:
    """The principal behind an API token; raises Unauthorized."""
    with session_scope() as session:
        user, row = auth_service.user_for_api_token(token, session=session)
        return Principal(int(user.id or 0), row.id, frozenset(row.scopes.split()))


def _visible_ids(user_id: int) -> set[int]:
    with session_scope() as session:
        user = session.get(User, user_id)
        return registry.visible_ids(user, session=session) if user else set()


def _visible_rows(user_id: int) -> list[Any]:
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            return []
        return [registry.to_spec(r) for r in registry.list_servers(user, session=session)]


def _save_lists(runtime: ServerRuntime) -> None:
    if runtime.connection is None:
        return
    server_id = runtime.spec.id
    with session_scope() as session:
        if session.get(registry.McpServer, server_id) is None:
            return
        session.exec(delete(McpTool).where(col(McpTool.server_id) == server_id))  # type: ignore[call-overload]
        for tool in runtime.tools:
            session.add(
                McpTool(
                    server_id=server_id,
                    kind="tool",
                    name=tool.name,
                    description=tool.description or "",
                    input_schema=tool.input_schema,
                    annotations=tool.annotations.model_dump(exclude_none=True)
                    if tool.annotations
                    else {},
                )
            )
        for prompt in runtime.prompts:
            session.add(
                McpTool(
                    server_id=server_id,
                    kind="prompt",
                    name=prompt.name,
                    description=prompt.description or "",
                )
            )
        for resource in runtime.resources:
            session.add(
                McpTool(
                    server_id=server_id,
                    kind="resource",
                    name=str(resource.uri),
                    description=resource.description or "",
                )
            )


def _save_health(server_id: int, ok: bool, latency: float | None, error: str) -> None:
    settings = get_settings()
    with session_scope() as session:
        if session.get(registry.McpServer, server_id) is None:
            return
        metrics.record_check(
            session=session,
            server_id=server_id,
            ok=ok,
            latency_ms=latency,
            error=error,
            keep=settings.mcp_health_keep_per_server,
            keep_days=settings.mcp_health_keep_days,
        )


def _save_audit(batch: list[tuple[Any, ...]]) -> None:
    rows = []
    with session_scope() as session:
        known: dict[int, bool] = {}
        for user_id, runtime, tool, arguments, seconds, outcome, error in batch:
            spec = runtime.spec
            if spec.id not in known:
                known[spec.id] = session.get(registry.McpServer, spec.id) is not None
            rows.append(
                audit.values(
                    user_id=user_id,
                    server_id=spec.id if known[spec.id] else None,
                    server_name=spec.name,
                    tool=tool,
                    arguments=arguments,
                    duration_ms=seconds * 1000,
                    outcome=outcome,
                    error=error,
                    secrets=spec.secret_values(),
                )
            )
        audit.record_many(session=session, rows=rows)


@event.listens_for(ApiToken, "after_update")
def _forget_token(_mapper: Any, _connection: Any, row: ApiToken) -> None:
    for orch in list(_LIVE):
        orch.forget(token_id=row.id)


@event.listens_for(User, "after_update")
def _forget_user(_mapper: Any, _connection: Any, row: User) -> None:
    for orch in list(_LIVE):
        orch.forget(user_id=row.id)


def user_session_principal(user: User) -> Principal:
    """A principal for a signed-in browser user (REST calls), with full scopes."""
    return Principal(int(user.id or 0))
