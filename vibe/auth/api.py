"""/api/v1 routes of the auth feature: who am I, sessions, API tokens, linked identities.

Sign-in and sign-out routes live in ``vibe.auth.login`` and are included here, so the app mounts
one router per feature.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from vibe.auth import login, service
from vibe.auth.deps import DB, SESSION_COOKIE, CurrentCaller
from vibe.auth.schemas import (
    IdentityPublic,
    Providers,
    SessionPublic,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserPublic,
)
from vibe.core import ratelimit
from vibe.core.config import get_settings
from vibe.core.errors import Forbidden
from vibe.core.web import client_ip

router = APIRouter(tags=["auth"])
router.include_router(login.router)


@router.get("/auth/providers")
def providers() -> Providers:
    """Which sign-in buttons the login page should show."""
    settings = get_settings()
    return Providers(
        github=settings.github_enabled,
        huggingface=settings.hf_enabled,
        local=settings.local_login_enabled,
    )


@router.get("/auth/me")
def me(caller: CurrentCaller) -> UserPublic:
    """The signed-in user, and whether the call came with a session or an API token."""
    return UserPublic.of(caller.user, caller.token)


def _current_session_id(request: Request, caller: CurrentCaller, session: DB) -> int | None:
    if caller.token is not None:
        return None
    row = service.session_row(request.cookies.get(SESSION_COOKIE) or "", session=session)
    return row.id if row else None


@router.get("/auth/sessions")
def list_sessions(request: Request, caller: CurrentCaller, session: DB) -> list[SessionPublic]:
    """Active browser sessions, newest activity first; ``current`` marks this browser."""
    current = _current_session_id(request, caller, session)
    rows = service.list_sessions(caller.user, session=session)
    return [SessionPublic.of(row, current) for row in rows]


@router.delete("/auth/sessions/{session_id}", status_code=204)
def revoke_session(
    session_id: int, request: Request, caller: CurrentCaller, session: DB
) -> Response:
    """Sign a browser out; revoking this browser's own session also drops its cookie."""
    current = _current_session_id(request, caller, session)
    service.revoke_session(caller.user, session_id, session=session)
    response = Response(status_code=204)
    if session_id == current:
        login.clear_session_cookie(response)
    return response


@router.get("/auth/tokens")
def list_tokens(caller: CurrentCaller, session: DB) -> list[TokenPublic]:
    """Active API tokens (never their values)."""
    return [TokenPublic.of(row) for row in service.list_api_tokens(caller.user, session=session)]


@router.post("/auth/tokens", status_code=201)
def create_token(
    body: TokenCreate, request: Request, caller: CurrentCaller, session: DB
) -> TokenCreated:
    """Create an API token; the response is the only time its value is shown."""
    ratelimit.hit(f"token:{client_ip(request)}", get_settings().login_rate_limit)
    if not caller.has_scope("admin"):
        raise Forbidden("API tokens can only be created from the browser or with an admin token")
    row, clear = service.create_api_token(
        caller.user,
        body.name,
        session=session,
        scopes=list(dict.fromkeys(body.scopes)),
        expires_in_days=body.expires_in_days,
    )
    return TokenCreated(**TokenPublic.of(row).model_dump(), token=clear)


@router.delete("/auth/tokens/{token_id}", status_code=204)
def revoke_token(token_id: int, caller: CurrentCaller, session: DB) -> Response:
    """Revoke a token at once; calls using it fail from the next request on."""
    service.revoke_api_token(caller.user, token_id, session=session)
    return Response(status_code=204)


@router.get("/auth/identities")
def list_identities(caller: CurrentCaller, session: DB) -> list[IdentityPublic]:
    """Provider accounts linked to this user (tokens stay encrypted on the server)."""
    rows = service.list_identities(caller.user, session=session)
    return [IdentityPublic.of(row) for row in rows]
