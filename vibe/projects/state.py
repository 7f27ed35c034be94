"""Page states of the projects list, the project landing page and the top-bar switcher.

Each state holds only what its page shows (small dicts of strings) and calls the services; the
signed-in user is re-read from the database on every event through ``SessionState``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

import reflex as rx
from sqlmodel import Session

from vibe.auth.models import User
from vibe.auth.state import SessionState
from vibe.core.db import session_scope, utcnow
from vibe.core.errors import Unauthorized, VibeError
from vibe.projects import service
from vibe.projects.service import Access
from vibe.ui import routes


def time_ago(when: datetime, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '3 days ago', then a date: what a card has room for."""
    seconds = int(((now or utcnow()) - when).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            if unit == "day" and seconds >= 30 * size:
                return when.strftime("%d %b %Y")
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def card(access: Access) -> dict[str, str]:
    p = access.project
    return {
        "id": str(p.id),
        "name": p.name,
        "slug": p.slug,
        "description": p.description,
        "role": access.role.value,
        "updated": time_ago(p.updated_at),
        "url": routes.project(p.slug),
        "settings_url": routes.project_settings(p.slug),
    }


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


class ProjectListState(rx.State):
    projects: list[dict[str, str]] = []
    loading: bool = True
    dialog_open: bool = False
    name_error: str = ""
    creating: bool = False

    @rx.event
    async def load(self):
        self.loading = True
        yield
        auth = await self.get_state(SessionState)
        try:
            with user_session(auth) as (session, user):
                self.projects = [card(a) for a in service.list_projects(user, session=session)]
        except VibeError as exc:
            if exc.status != 401:  # require_login is already redirecting
                yield rx.toast.error(exc.message)
        finally:
            self.loading = False

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = value
        self.name_error = ""

    @rx.event
    async def create(self, form: dict[str, str]):
        self.creating = True
        yield
        auth = await self.get_state(SessionState)
        try:
            with user_session(auth) as (session, user):
                access = service.create_project(
                    user,
                    name=form.get("name", ""),
                    description=form.get("description", ""),
                    session=session,
                )
                new = card(access)
        except VibeError as exc:
            self.name_error = exc.message
            yield rx.toast.error(exc.message)
            return
        finally:
            self.creating = False
        self.projects = [new, *self.projects]
        self.dialog_open = False
        self.name_error = ""
        yield rx.toast.success(f"Created {new['name']}")


class ProjectSwitcherState(rx.State):
    """The top bar's project menu; filled when it opens, so it is always current."""

    items: list[dict[str, str]] = []

    @rx.event
    async def opened(self, is_open: bool):
        if not is_open:
            return
        auth = await self.get_state(SessionState)
        try:
            with user_session(auth) as (session, user):
                self.items = [card(a) for a in service.list_projects(user, session=session)][:20]
        except VibeError:
            self.items = []
