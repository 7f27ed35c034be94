"""The gateway's fast path: one JSON-RPC ``tools/call`` POSTed on an initialised session.

Through the SDK's server, a call crosses the streamable-HTTP transport, memory streams, the
session's dispatcher and its task groups, and pydantic on the way in and out. ``tools/call`` is
nearly all of a gateway's traffic, so it is answered here, straight from the ASGI call:
the session must be one the SDK opened for this very credential, the body is parsed once, the
call goes through ``Orchestrator.call_tool_wire`` (the same checks, limits, timeouts, metrics
and audit as the SDK's path, and the OpenTelemetry span the SDK would open: ``tracing``) and
the answer is written as the SDK would have written it. A
``notifications/cancelled`` for a call in flight here cancels it, as the SDK's dispatcher would.

Everything else (initialize, lists, other notifications, GET/DELETE, batches, modern-protocol
requests, unknown sessions, anything unusual) goes to the SDK unchanged, its body replayed.
The SDK's session table is private API of mcp 2.3.0, which requirements.txt pins; the tests
of this module fail loudly if an upgrade moves it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
from typing import Any

import anyio
import mcp_types as types
import pydantic_core
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, authorization_context
from mcp.server.streamable_http import REQUEST_CANCELLED, StreamableHTTPServerTransport
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError
from mcp_types import methods as surface
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from pydantic import ValidationError
from starlette.types import Message, Receive, Scope, Send

from vibe.orchestrator import tracing
from vibe.orchestrator.service import Orchestrator, Principal

log = logging.getLogger("vibe.mcp.gateway")

SESSION_KEY = "vibe.mcp.session"  # session_of's answer, kept in the scope for handle
HEADERS_READ = frozenset({b"mcp-session-id", b"mcp-protocol-version", b"content-type", b"accept"})
CALL_KEYS = frozenset({"jsonrpc", "id", "method", "params"})
PARAM_KEYS = frozenset({"name", "arguments", "_meta"})
InFlight = dict[tuple[str, Any], anyio.CancelScope]


class FastPath:
    """Answers plain tool calls itself; hands everything else back to the SDK."""

    def __init__(self, manager: StreamableHTTPSessionManager, orch: Orchestrator) -> None:
        self.manager = manager
        self.orch = orch
        self.in_flight: InFlight = {}
        self.answered = 0  # calls this path answered (the SDK's path answered the rest)

    async def handle(
        self, scope: Scope, receive: Receive, send: Send, principal: Principal
    ) -> Receive | None:
        """None once answered; otherwise the ``receive`` the SDK must use (body replayed)."""
        session = scope.get(SESSION_KEY) or self.session_of(scope)
        if session is None or session[1].is_terminated:
            return receive
        session_id, transport, version = session
        messages, complete = await _read_body(receive, self.manager.max_request_body_size)
        replay = _replaying(messages, receive)
        message = _parse(_body_of(messages)) if complete else None
        if message is None:
            return replay
        if message.get("method") == "notifications/cancelled":
            return replay if not await self._cancel(session_id, message, send) else None
        if not _plain_call(message):
            return replay
        held = _hold(transport)
        if held is False:
            return replay
        try:
            answer = await self._call(session_id, message, principal, version)
        finally:
            if held:
                _release(transport)
        await _respond(send, 200, session_id, _encode(answer))
        self.answered += 1
        return None

    def session_of(self, scope: Scope) -> tuple[str, StreamableHTTPServerTransport, str] | None:
        """The session a POST belongs to, when it is one the fast path may serve."""
        if scope["method"] != "POST" or self.manager.security_settings is not None:
            return None
        headers = _headers(scope)
        session_id = headers.get("mcp-session-id")
        version = headers.get("mcp-protocol-version")
        if session_id is None or version not in HANDSHAKE_PROTOCOL_VERSIONS:
            return None  # opening a session, or the modern protocol: the SDK's
        if not (
            _json_content(headers.get("content-type", ""))
            and _accepts_json(headers.get("accept", ""))
        ):
            return None  # the SDK answers these with its own errors
        transport = self.manager._server_instances.get(session_id)
        if transport is None or transport.is_terminated:
            return None
        user = scope.get("user")
        owner = authorization_context(user) if isinstance(user, AuthenticatedUser) else None
        if owner != self.manager._session_owners.get(session_id):
            return None  # another credential's session: the SDK answers "Session not found"
        session = scope[SESSION_KEY] = (session_id, transport, str(version))
        return session

    async def _call(
        self, session_id: str, message: dict[str, Any], principal: Principal, version: str
    ) -> dict[str, Any]:
        request_id, params = message["id"], message["params"]
        key = (session_id, request_id)
        answer: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
        name = params["name"]
        with tracing.server_call(name, request_id, version, params.get("_meta")) as span:
            with anyio.CancelScope() as cancel:
                self.in_flight[key] = cancel
                try:
                    result, shaped = await self.orch.call_tool_wire(
                        principal, name, params.get("arguments")
                    )
                    answer["result"] = _shape(result, shaped, version)
                except Exception as exc:
                    answer["error"] = _error(exc)
                finally:
                    if self.in_flight.get(key) is cancel:
                        del self.in_flight[key]
            if cancel.cancelled_caught:
                answer.pop("result", None)
                answer["error"] = {"code": REQUEST_CANCELLED, "message": "Request cancelled"}
            tracing.outcome(span, answer)
        return answer

    async def _cancel(self, session_id: str, message: dict[str, Any], send: Send) -> bool:
        """Cancel a call in flight here; False when it is none of ours (the SDK's then)."""
        params = message.get("params")
        request_id = params.get("requestId") if isinstance(params, dict) else None
        if isinstance(request_id, bool) or "id" in message:
            return False
        cancel = self.in_flight.get((session_id, request_id))
        if cancel is None:
            return False
        cancel.cancel()
        await _respond(send, 202, session_id, b"")
        return True


def _shape(result: dict[str, Any], shaped: str | None, version: str) -> dict[str, Any]:
    """The result as the SDK would write it for ``version``; a result the upstream already
    wrote for that version passes as it came."""
    if shaped == version:
        return result
    try:
        return surface.serialize_server_result("tools/call", version, result)
    except ValidationError:
        log.exception("a tools/call result does not fit protocol %s", version)
        raise MCPError(types.INTERNAL_ERROR, "Handler returned an invalid result") from None


def _error(exc: Exception) -> dict[str, Any]:
    """A handler failure as the SDK's dispatcher reports it."""
    if isinstance(exc, MCPError):
        return exc.error.model_dump(by_alias=True, mode="json", exclude_none=True)
    if isinstance(exc, ValidationError):
        return {"code": types.INVALID_PARAMS, "message": "Invalid request parameters", "data": ""}
    log.exception("tools/call raised")
    return {"code": 0, "message": str(exc)}


def _plain_call(message: dict[str, Any]) -> bool:
    """A single ``tools/call`` request whose shape the SDK would accept as it is."""
    params = message.get("params")
    request_id = message.get("id")
    return (
        message.keys() <= CALL_KEYS
        and message.get("jsonrpc") == "2.0"
        and message.get("method") == "tools/call"
        and isinstance(request_id, int | str)
        and not isinstance(request_id, bool)
        and isinstance(params, dict)
        and params.keys() <= PARAM_KEYS
        and isinstance(params.get("name"), str)
        and isinstance(params.get("arguments", {}), dict | None)
        and isinstance(params.get("_meta", {}), dict)
    )


def _parse(body: bytes) -> dict[str, Any] | None:
    """The body as the SDK's transport parses it (pydantic-core's JSON reader)."""
    try:
        message = pydantic_core.from_json(body)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def _encode(message: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, byte for byte what the SDK's pydantic dump writes."""
    return pydantic_core.to_json(message)


def _headers(scope: Scope) -> dict[str, str]:
    """The headers ``session_of`` reads, each the first of its name (as Starlette's
    ``Headers.get``, which the SDK uses); the others are not decoded at all."""
    found: dict[str, str] = {}
    for key, value in scope["headers"]:
        if key in HEADERS_READ:
            found.setdefault(key.decode("latin-1"), value.decode("latin-1"))
    return found


@functools.lru_cache(maxsize=64)  # a client sends the same few header values on every call
def _json_content(content_type: str) -> bool:
    """Both of the SDK's Content-Type checks (its security middleware's and its transport's)."""
    parts = content_type.split(";")[0].split(",")
    return content_type.lower().startswith("application/json") and any(
        part.strip() == "application/json" for part in parts
    )


@functools.lru_cache(maxsize=64)
def _accepts_json(accept: str) -> bool:
    accepted = [t.strip().split(";")[0].strip().lower() for t in accept.split(",")]
    return any(t in ("application/json", "application/*", "*/*") for t in accepted)


async def _read_body(receive: Receive, limit: int) -> tuple[list[Message], bool]:
    """The request's body messages, read up to ``limit`` bytes; whether that was all of it."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, False
        size += len(message.get("body", b""))
        if size > limit:
            return messages, False
        if not message.get("more_body", False):
            return messages, True


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that gives the messages already read again, then the rest."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def _body_of(messages: list[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in messages)


def _hold(transport: StreamableHTTPServerTransport) -> bool | None:
    """Keep the session from idling out while a call is in flight, as the SDK's own request
    handling does: True when held (``_release`` it after), None when the session has no idle
    time to hold, False when its idle time already ran out (the SDK answers then). Plain
    functions rather than a context manager: this runs on every call."""
    scope, timeout = transport.idle_scope, transport._idle_timeout
    if scope is None or timeout is None:
        return None
    if scope.cancel_called:
        return False
    transport._requests_in_flight += 1
    scope.deadline = math.inf
    return True


def _release(transport: StreamableHTTPServerTransport) -> None:
    transport._requests_in_flight -= 1
    scope, timeout = transport.idle_scope, transport._idle_timeout
    if not transport._requests_in_flight and scope is not None and timeout is not None:
        scope.deadline = asyncio.get_running_loop().time() + timeout  # anyio's clock


async def _respond(send: Send, status: int, session_id: str, body: bytes) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"mcp-session-id", session_id.encode("latin-1")),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
