"""The one door from the editor's states to a project's workspace: membership checked first."""

from __future__ import annotations

from sqlmodel import Session

from vibe.auth.models import User
from vibe.projects import service
from vibe.projects.models import Role
from vibe.projects.service import Access
from vibe.projects.workspace import Workspace, open_workspace


def project_workspace(
    user: User, ref: int | str, *, session: Session, need: Role = Role.viewer
) -> tuple[Workspace, Access]:
    """The project's workspace if ``user`` has at least ``need`` in it (NotFound/Forbidden)."""
    access = service.get_project(user, ref, session=session, need=need)
    return open_workspace(access.project.id), access  # type: ignore[arg-type]
