"""Page states of the projects list, the project landing page and the top-bar switcher.

Each state holds only what its page shows (small dicts of strings) and calls the services; the
signed-in user is re-read from the database on every event through ``SessionState``.
"""

from __future__ import annotations

from datetime import datetime

import reflex as rx
from sqlmodel import Session

from vibe.auth.models import User
from vibe.auth.state import SessionState, as_user
from vibe.core.db import utcnow
from vibe.core.errors import VibeError
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


def _project_cards(user: User, session: Session) -> list[dict[str, str]]:
    return [card(a) for a in service.list_projects(user, session=session)]


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
            self.projects = await as_user(auth, _project_cards)
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

        def create_project(user: User, session: Session) -> dict[str, str]:
            access = service.create_project(
                user,
                name=form.get("name", ""),
                description=form.get("description", ""),
                session=session,
            )
            return card(access)

        try:
            new = await as_user(auth, create_project)
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
            self.items = (await as_user(auth, _project_cards))[:20]
        except VibeError:
            self.items = []
