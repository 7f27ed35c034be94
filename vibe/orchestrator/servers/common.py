"""What Vibe's own MCP servers share: who is acting, and running services off the event loop.

Our servers run as stdio children of the orchestrator (see ``vibe.orchestrator.builtin``). The
gateway knows the user behind each call from their API token; it forwards that user to our
servers in the request's ``_meta`` as a short-lived assertion signed with Vibe's secret key,
and the server refuses a call without a valid one. Every tool then runs the same service
functions the UI and the REST API use, as that user, so membership and role checks are the
UI's own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from sqlmodel import Session

from vibe.auth.models import User
from vibe.core.db import session_scope
from vibe.core.errors import VibeError
from vibe.core.security import constant_time_equal, hmac_sha256, secret_key

IDENTITY_META_KEY = "dev.vibe/identity"
IDENTITY_TTL_SECONDS = 600.0

T = TypeVar("T")


def _signature(server: str, user_id: int, expires: int) -> str:
    body = f"vibe-mcp-identity|{server}|{user_id}|{expires}".encode()
    return hmac_sha256(secret_key().encode(), body)


def identity_meta(server: str, user_id: int, *, now: float | None = None) -> dict[str, Any]:
    """The ``_meta`` entry that tells built-in server ``server`` who is calling."""
    expires = int((time.time() if now is None else now) + IDENTITY_TTL_SECONDS)
    assertion = {
        "server": server,
        "user_id": user_id,
        "expires": expires,
        "sig": _signature(server, user_id, expires),
    }
    return {IDENTITY_META_KEY: assertion}


def verified_user_id(server: str, meta: Any) -> int:
    """The user id asserted in ``meta`` for ``server``; ToolError when absent, forged or old."""
    assertion = (meta or {}).get(IDENTITY_META_KEY) if isinstance(meta, dict) else None
    if not isinstance(assertion, dict):
        raise ToolError("no acting user: call this server through the Vibe MCP gateway")
    try:
        user_id, expires = int(assertion["user_id"]), int(assertion["expires"])
        sig, named = str(assertion["sig"]), str(assertion["server"])
    except (KeyError, TypeError, ValueError):
        raise ToolError("malformed identity assertion") from None
    expected = _signature(server, user_id, expires)
    if named != server or not constant_time_equal(sig, expected):
        raise ToolError("identity assertion is not valid for this server")
    if expires < time.time():
        raise ToolError("identity assertion expired")
    return user_id


async def as_caller(server: str, ctx: Context[Any, Any], work: Callable[[User, Session], T]) -> T:
    """Run ``work(user, session)`` in a worker thread as the calling user, committed on success.

    Vibe's own errors (NotFound, Forbidden, ValidationFailed, ...) become tool errors with
    their message, as the UI would show them.
    """
    user_id = verified_user_id(server, ctx.request_context.meta)

    def run() -> T:
        with session_scope() as session:
            user = session.get(User, user_id)
            if user is None:
                raise ToolError("the acting user no longer exists")
            return work(user, session)

    try:
        return await anyio.to_thread.run_sync(run)
    except VibeError as exc:
        raise ToolError(exc.message) from exc
