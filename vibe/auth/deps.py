"""FastAPI dependencies that say who is calling.

A bearer API token wins over the cookie. Cookie-authenticated calls that change state must come
from our own origin: SameSite=Lax already stops most cross-site posts, the Origin check stops the
rest (and same-site subdomains).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlmodel import Session

from vibe.auth import service
from vibe.auth.models import ApiToken, User
from vibe.core.config import get_settings
from vibe.core.errors import Forbidden, Unauthorized
from vibe.core.web import db_session

SESSION_COOKIE = "vibe_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# scope="function": commit before the response leaves, not after it. A browser that follows a
# sign-in redirect must find its new session row already committed.
DB = Annotated[Session, Depends(db_session, scope="function")]


@dataclass
class Caller:
    user: User
    token: ApiToken | None = None  # None when signed in through the browser session

    def has_scope(self, scope: str) -> bool:
        if self.token is None:
            return True
        return scope in self.token.scopes.split() or "admin" in self.token.scopes.split()


def _origin_ok(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return False
    parts = urlsplit(origin)
    got = f"{parts.scheme}://{parts.netloc}"
    allowed = {
        "{0.scheme}://{0.netloc}".format(urlsplit(get_settings().public_url)),
        f"{request.url.scheme}://{request.headers.get('host', '')}",
    }
    return got in allowed


def get_caller(request: Request, session: DB) -> Caller:
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("Authorization header must be 'Bearer <token>'")
        user, token = service.user_for_api_token(value.strip(), session=session)
        caller = Caller(user=user, token=token)
        needed = "read" if request.method in SAFE_METHODS else "write"
        if not caller.has_scope(needed):
            raise Forbidden(f"this token lacks the '{needed}' scope")
        return caller
    user = service.user_for_session(request.cookies.get(SESSION_COOKIE), session=session)
    if user is None:
        raise Unauthorized("sign in or send an API token")
    if request.method not in SAFE_METHODS and not _origin_ok(request):
        raise Forbidden("cross-origin request refused")
    return Caller(user=user)


def get_user(caller: Annotated[Caller, Depends(get_caller)]) -> User:
    return caller.user


def get_admin(user: Annotated[User, Depends(get_user)]) -> User:
    if not user.is_admin:
        raise Forbidden("administrators only")
    return user


CurrentCaller = Annotated[Caller, Depends(get_caller)]
CurrentUser = Annotated[User, Depends(get_user)]
AdminUser = Annotated[User, Depends(get_admin)]
