"""/api/v1 routes of the projects feature: projects and members; files live in files_api.

``{project_id}`` accepts the numeric id or the slug. Every route resolves the project through
the service, so a project the caller is not a member of answers 404 like one that never existed.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from vibe.auth.deps import DB, CurrentUser
from vibe.projects import members, service
from vibe.projects.files_api import router as files_router
from vibe.projects.schemas import (
    MemberAdd,
    MemberPublic,
    MemberUpdate,
    ProjectCreate,
    ProjectDelete,
    ProjectPublic,
    ProjectUpdate,
)

router = APIRouter(prefix="/projects", tags=["projects"])


@router.get("")
def list_projects(user: CurrentUser, session: DB) -> list[ProjectPublic]:
    """The caller's projects, most recently updated first."""
    return [ProjectPublic.of(a) for a in service.list_projects(user, session=session)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_project(body: ProjectCreate, user: CurrentUser, session: DB) -> ProjectPublic:
    """Create a project (and its git workspace) owned by the caller."""
    access = service.create_project(
        user, name=body.name, description=body.description, session=session
    )
    return ProjectPublic.of(access)


@router.get("/{project_id}")
def get_project(project_id: str, user: CurrentUser, session: DB) -> ProjectPublic:
    """One project the caller is a member of."""
    return ProjectPublic.of(service.get_project(user, project_id, session=session))


@router.patch("/{project_id}")
def update_project(
    project_id: str, body: ProjectUpdate, user: CurrentUser, session: DB
) -> ProjectPublic:
    """Rename or re-describe a project (editors and owners)."""
    access = service.update_project(
        user, project_id, name=body.name, description=body.description, session=session
    )
    return ProjectPublic.of(access)


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_project(
    project_id: str, body: ProjectDelete, user: CurrentUser, session: DB
) -> Response:
    """Delete a project and its files; owners only, body ``{"confirm": "<project name>"}``."""
    service.delete_project(user, project_id, confirm=body.confirm, session=session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{project_id}/members")
def list_members(project_id: str, user: CurrentUser, session: DB) -> list[MemberPublic]:
    """Members and their roles, owners first."""
    return [MemberPublic.of(m) for m in members.list_members(user, project_id, session=session)]


@router.post("/{project_id}/members", status_code=status.HTTP_201_CREATED)
def add_member(project_id: str, body: MemberAdd, user: CurrentUser, session: DB) -> MemberPublic:
    """Give an existing user a role (owners only)."""
    member = members.add_member(
        user, project_id, username=body.username, role=body.role, session=session
    )
    return MemberPublic.of(member)


@router.patch("/{project_id}/members/{username}")
def change_role(
    project_id: str, username: str, body: MemberUpdate, user: CurrentUser, session: DB
) -> MemberPublic:
    """Change a member's role (owners only; the last owner stays an owner)."""
    member = members.change_role(
        user, project_id, username=username, role=body.role, session=session
    )
    return MemberPublic.of(member)


@router.delete("/{project_id}/members/{username}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(project_id: str, username: str, user: CurrentUser, session: DB) -> Response:
    """Remove a member (owners), or leave the project by naming yourself."""
    members.remove_member(user, project_id, username=username, session=session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


router.include_router(files_router)
