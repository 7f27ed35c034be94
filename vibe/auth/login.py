"""Signing in and out: OAuth redirects and callbacks, local mode, logout.

Everything a browser reaches by navigation answers with a redirect, never a JSON error page:
failures land on the login page as ``?error=<message>``. The session cookie is HttpOnly,
SameSite=Lax and Secure behind HTTPS; a new sign-in always rotates it.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from vibe.auth import oauth, service
from vibe.auth.deps import DB, SESSION_COOKIE, _origin_ok
from vibe.auth.models import User
from vibe.core import ratelimit
from vibe.core.config import get_settings
from vibe.core.db import session_scope
from vibe.core.errors import Forbidden, VibeError
from vibe.core.web import client_ip, is_loopback
from vibe.ui import routes

log = logging.getLogger("vibe.auth")
router = APIRouter(prefix="/auth", tags=["auth"])
NEXT_KEY = "vibe_next"


def limit_login(request: Request) -> None:
    """One bucket per client address for everything that can mint a session."""
    ratelimit.hit(f"login:{client_ip(request)}", get_settings().login_rate_limit)


def set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_ttl_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
    )


def _go(path: str, error: str = "") -> RedirectResponse:
    target = f"{path}?{urlencode({'error': error})}" if error else path
    return RedirectResponse(target, status_code=303)


def _signed_in(request: Request) -> User | None:
    with session_scope() as session:
        token = request.cookies.get(SESSION_COOKIE)
        return service.user_for_session(token, session=session, touch=False)


async def _fail(request: Request, message: str) -> RedirectResponse:
    """Back to where the person came from: the profile page when linking, else the login page."""
    user = await run_in_threadpool(_signed_in, request)
    return _go(routes.PROFILE if user else routes.LOGIN, message)


@router.get("/login/{provider}", response_class=RedirectResponse, status_code=302)
async def login(provider: str, request: Request, next: str | None = None) -> Response:
    """Send the browser to the provider; state and the PKCE verifier wait in a signed cookie."""
    await run_in_threadpool(limit_login, request)
    client = oauth.client(provider)
    request.session[NEXT_KEY] = oauth.safe_next(next)
    try:
        return await client.authorize_redirect(request, oauth.redirect_uri(provider))
    except Exception:
        log.warning("cannot start %s sign-in", provider, exc_info=True)
        return await _fail(request, f"could not reach {oauth.LABELS[provider]}; try again later")


@router.get("/callback/{provider}", response_class=RedirectResponse, status_code=303)
async def callback(provider: str, request: Request) -> Response:
    """Finish sign-in: exchange the code, read the profile, link or create the user."""
    await run_in_threadpool(limit_login, request)
    label = oauth.LABELS.get(provider, provider)
    if provider not in oauth.PROVIDERS or not oauth.enabled(provider):
        return await _fail(request, f"sign-in with {label} is not configured")
    try:
        token = await oauth.client(provider).authorize_access_token(request)
        profile = await oauth.fetch_profile(provider, token)
    except MismatchingStateError:
        return await _fail(request, "this sign-in link has expired or was already used; try again")
    except OAuthError as exc:
        log.info("%s refused sign-in: %s %s", provider, exc.error, exc.description)
        if exc.error == "access_denied":
            return await _fail(request, f"sign-in with {label} was cancelled")
        return await _fail(request, f"{label} refused the sign-in ({exc.error or 'error'})")
    except Exception:
        log.warning("%s sign-in failed", provider, exc_info=True)
        return await _fail(request, f"could not complete sign-in with {label}; try again")
    next_path = oauth.safe_next(request.session.pop(NEXT_KEY, None))
    try:
        value = await run_in_threadpool(_finish, profile, request)
    except VibeError as exc:
        return await _fail(request, exc.message)
    response = _go(next_path)
    set_session_cookie(response, value)
    return response


def _finish(profile: service.ProviderProfile, request: Request) -> str:
    """Upsert the identity (linking it when someone is signed in) and rotate the session."""
    old = request.cookies.get(SESSION_COOKIE)
    with session_scope() as session:
        current = service.user_for_session(old, session=session, touch=False)
        user = service.upsert_identity(profile, session=session, link_to=current)
        service.end_session(old, session=session)
        return _start(user, request, session)


def _start(user: User, request: Request, session: Session) -> str:
    ua = request.headers.get("user-agent", "")
    return service.start_session(user, session=session, user_agent=ua, ip=client_ip(request))


def _forwarded_elsewhere(request: Request) -> bool:
    hops = request.headers.get("x-forwarded-for", "")
    return any(not is_loopback(h.strip()) for h in hops.split(",") if h.strip())


def _refuse(request: Request, message: str) -> Response:
    if "text/html" in request.headers.get("accept", ""):
        return _go(routes.LOGIN, message)
    raise Forbidden(message)


@router.post("/local", response_class=RedirectResponse, status_code=303)
def local_login(request: Request, session: DB, next: str | None = None) -> Response:
    """Sign in as the single local user: only in local mode, only from this machine's browser."""
    limit_login(request)
    if not get_settings().local_login_enabled:
        return _refuse(request, "local sign-in is turned off on this server")
    if not is_loopback(client_ip(request)) or _forwarded_elsewhere(request):
        return _refuse(request, "local sign-in is only available from this machine")
    if not _origin_ok(request):
        return _refuse(request, "cross-origin request refused")
    old = request.cookies.get(SESSION_COOKIE)
    service.end_session(old, session=session)
    value = _start(service.local_user(session=session), request, session)
    response = _go(oauth.safe_next(next))
    set_session_cookie(response, value)
    return response


@router.post("/logout", status_code=204)
def logout(request: Request, session: DB) -> Response:
    """End this browser's session and drop its cookie; signing out twice is harmless."""
    token = request.cookies.get(SESSION_COOKIE)
    if token and not _origin_ok(request):
        raise Forbidden("cross-origin request refused")
    service.end_session(token, session=session)
    response = Response(status_code=204)
    clear_session_cookie(response)
    return response
