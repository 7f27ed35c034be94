"""Who is looking at the page.

The session cookie is HttpOnly, so the browser's JavaScript never sees it; the Reflex backend
reads it from the websocket handshake headers and checks it against the database on every load,
so a revoked session stops working at the next navigation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from typing import TypeVar
from urllib.parse import urlencode

import reflex as rx
from sqlmodel import Session

from vibe.auth import service
from vibe.auth.deps import SESSION_COOKIE
from vibe.auth.models import User
from vibe.auth.oauth import safe_next
from vibe.core.config import get_settings
from vibe.core.db import session_scope
from vibe.core.errors import Unauthorized
from vibe.core.web import is_loopback
from vibe.ui import routes


def _user_for(token: str | None) -> User | None:
    """The session's user, as ``SessionState.current_user`` reads it, in its own session."""
    with session_scope() as session:
        return service.user_for_session(token, session=session)


class SessionState(rx.State):
    signed_in: bool = False
    username: str = ""
    display_name: str = ""
    avatar_url: str = ""
    is_admin: bool = False
    local_login: bool = False
    github_login: bool = False
    hf_login: bool = False
    login_ready: bool = False
    login_error: str = ""
    login_query: str = ""  # "?next=..." carried from a protected page to the sign-in links

    def _session_token(self) -> str | None:
        raw = self.router.headers.cookie or ""
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw)
        except Exception:
            return None
        morsel = jar.get(SESSION_COOKIE)
        return morsel.value if morsel else None

    def current_user(self, session: Session) -> User | None:
        """The signed-in user, re-checked against the database (sessions can be revoked)."""
        return service.user_for_session(self._session_token(), session=session)

    async def _refresh(self) -> User | None:
        """Re-read the signed-in user off the event loop (a query, maybe a last-seen touch)
        and show it; None for a stranger or an ended session."""
        user = await asyncio.to_thread(_user_for, self._session_token())
        self._fill(user)
        return user

    def _fill(self, user: User | None) -> None:
        self.signed_in = user is not None
        self.username = user.username if user else ""
        self.display_name = (user.name or user.username) if user else ""
        self.avatar_url = user.avatar_url if user else ""
        self.is_admin = bool(user and user.is_admin)

    @rx.event
    async def require_login(self):
        """on_load of every signed-in page: send strangers to the login page."""
        user = await self._refresh()
        if user is None:
            path = self.router.url.path or routes.PROJECTS
            return rx.redirect(f"{routes.LOGIN}?{urlencode({'next': path})}")
        return None

    @rx.event
    async def load_login_page(self):
        """Show the enabled sign-in methods and any error the last attempt came back with."""
        settings = get_settings()
        ip = self.router.session.client_ip
        self.local_login = settings.local_login_enabled and (not ip or is_loopback(ip))
        self.github_login = settings.github_enabled
        self.hf_login = settings.hf_enabled
        params = self.router.url.query_parameters
        self.login_error = params.get("error", "")[:300]
        wanted = params.get("next", "")
        self.login_query = "?" + urlencode({"next": safe_next(wanted)}) if wanted else ""
        user = await self._refresh()
        self.login_ready = True
        if user is not None:
            return rx.redirect(safe_next(wanted) if wanted else routes.PROJECTS)
        return None


@contextmanager
def user_session(auth: SessionState) -> Iterator[tuple[Session, User]]:
    """A database session and the signed-in user; Unauthorized if the session ended."""
    with session_scope() as session:
        user = auth.current_user(session)
        if user is None:
            raise Unauthorized("your session has ended; sign in again")
        yield session, user


T = TypeVar("T")


async def as_user(auth: SessionState, work: Callable[[User, Session], T]) -> T:
    """``work(user, session)`` in :func:`user_session`, in a worker thread: database calls block,
    and on the event loop they would stall every other user's page meanwhile."""

    def run() -> T:
        with user_session(auth) as (session, user):
            return work(user, session)

    return await asyncio.to_thread(run)
