"""State of /projects/[slug]/settings: general, members, danger zone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from vibe.auth.models import User
from vibe.auth.state import SessionState, as_user
from vibe.core.errors import VibeError
from vibe.projects import members, service
from vibe.projects.models import Role
from vibe.projects.service import Access
from vibe.ui import routes

T = TypeVar("T")


class ProjectSettingsState(rx.State):
    project_id: str = ""
    project_url: str = ""
    heading: str = ""
    project_name: str = ""
    project_description: str = ""
    project_role: str = ""
    members: list[dict[str, str]] = []
    loading: bool = True
    missing: bool = False
    saving: bool = False
    delete_open: bool = False
    delete_text: str = ""

    def _route_slug(self) -> str:
        return routes.slug_in(self.router.url.path)

    async def _call(self, fn: Callable[..., T], **kwargs: Any) -> T:
        """``fn(user, project id, session=..., **kwargs)`` as the signed-in user, off the loop."""
        auth = await self.get_state(SessionState)
        project_id = self.project_id
        return await as_user(auth, lambda u, s: fn(u, int(project_id), session=s, **kwargs))

    @rx.event
    async def load(self):
        self.loading, self.missing, self.delete_open, self.delete_text = True, False, False, ""
        self.project_id = self.project_url = self.heading = ""
        yield
        auth = await self.get_state(SessionState)
        slug = self._route_slug()

        def read_settings(user: User, session: Session) -> tuple[Access, list[members.Member]]:
            access = service.get_project(user, slug, session=session)
            return access, members.list_members(user, access.project.id, session=session)  # type: ignore[arg-type]

        try:
            access, people = await as_user(auth, read_settings)
        except VibeError as exc:
            self.missing = exc.status == 404
            if exc.status not in (401, 404):  # 401: require_login is already redirecting
                yield rx.toast.error(exc.message)
        else:
            p = access.project
            self.project_id, self.project_url = str(p.id), routes.project(p.slug)
            self.heading = f"{p.name} · Settings"
            self.project_name, self.project_description = p.name, p.description
            self.project_role = access.role.value
            self.members = [_member_row(m, auth.username) for m in people]
        finally:
            self.loading = False

    async def _members_changed(self, done: str):
        """Reload the member list after a change; a member who left goes back to the list."""
        auth = await self.get_state(SessionState)
        project_id = self.project_id

        def reread_members(user: User, session: Session) -> tuple[list[members.Member], Role]:
            people = members.list_members(user, int(project_id), session=session)
            return people, service.get_project(user, int(project_id), session=session).role

        try:
            people, role = await as_user(auth, reread_members)
        except VibeError:
            return [rx.toast.success(done), rx.redirect(routes.PROJECTS)]
        self.members = [_member_row(m, auth.username) for m in people]
        self.project_role = role.value
        return rx.toast.success(done)

    @rx.event
    async def save_general(self, form: dict[str, str]):
        self.saving = True
        yield
        try:
            access = await self._call(
                service.update_project,
                name=form.get("name", ""),
                description=form.get("description", ""),
            )
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        finally:
            self.saving = False
        self.project_name = access.project.name
        self.project_description = access.project.description
        self.heading = f"{access.project.name} · Settings"
        yield rx.toast.success("Settings saved")

    @rx.event
    async def add_member(self, form: dict[str, str]):
        try:
            added = await self._call(
                members.add_member,
                username=form.get("username", ""),
                role=form.get("role", "viewer"),
            )
        except VibeError as exc:
            return rx.toast.error(exc.message)
        return await self._members_changed(f"Added {added.username} as {added.role.value}")

    @rx.event
    async def change_role(self, username: str, role: str):
        try:
            await self._call(members.change_role, username=username, role=role)
        except VibeError as exc:
            return rx.toast.error(exc.message)
        return await self._members_changed(f"{username} is now {role}")

    @rx.event
    async def remove_member(self, username: str):
        try:
            await self._call(members.remove_member, username=username)
        except VibeError as exc:
            return rx.toast.error(exc.message)
        return await self._members_changed(f"Removed {username}")

    @rx.event
    def set_delete_open(self, value: bool) -> None:
        self.delete_open = value
        self.delete_text = ""

    @rx.event
    def set_delete_text(self, value: str) -> None:
        self.delete_text = value

    @rx.event
    async def delete(self):
        try:
            await self._call(service.delete_project, confirm=self.delete_text)
        except VibeError as exc:
            return rx.toast.error(exc.message)
        name = self.project_name
        self.delete_open, self.project_id = False, ""
        return [rx.toast.success(f"Deleted {name}"), rx.redirect(routes.PROJECTS)]


def _member_row(member: members.Member, me: str) -> dict[str, str]:
    return {
        "username": member.username,
        "name": member.name or member.username,
        "avatar_url": member.avatar_url,
        "role": member.role.value,
        "is_me": "yes" if member.username == me else "",
        "initials": member.username[:2].upper(),
    }
