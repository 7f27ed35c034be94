"""Projects: create, list, find (membership-checked), update and delete.

Every lookup goes through ``get_project`` which filters by membership, and a project the caller
is not a member of is reported as missing (NotFound), never as forbidden, so ids and slugs
cannot be probed. Roles rank viewer < editor < owner: viewers read, editors write, owners
administer (members, deletion).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from vibe.auth.models import User
from vibe.core.db import utcnow
from vibe.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vibe.projects import workspace
from vibe.projects.gitrepo import Author
from vibe.projects.models import Membership, Project, Role

MAX_NAME = 100
MAX_DESCRIPTION = 2000
MAX_SLUG = 100
RANK = {Role.viewer: 1, Role.editor: 2, Role.owner: 3}
VERB = {Role.viewer: "see", Role.editor: "change", Role.owner: "administer"}


@dataclass(frozen=True)
class Access:
    """A project together with the caller's role in it."""

    project: Project
    role: Role

    def allows(self, needed: Role) -> bool:
        return RANK[self.role] >= RANK[needed]


def parse_role(value: str) -> Role:
    try:
        return Role(str(value).strip().lower())
    except ValueError:
        raise ValidationFailed("role must be one of owner, editor, viewer") from None


def clean_name(raw: str) -> str:
    """A trimmed project name of 1..100 printable characters, or a message saying what is wrong."""
    name = " ".join((raw or "").split())
    if not name:
        raise ValidationFailed("Project name is required", code="invalid_name")
    if len(name) > MAX_NAME:
        raise ValidationFailed(
            f"Project name is too long ({len(name)} characters; at most {MAX_NAME})",
            code="invalid_name",
        )
    if not name.isprintable():
        raise ValidationFailed("Project name contains invisible characters", code="invalid_name")
    return name


def clean_description(raw: str | None) -> str:
    text = (raw or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValidationFailed(
            f"Description is too long ({len(text)} characters; at most {MAX_DESCRIPTION})",
            code="invalid_description",
        )
    return text


def slugify(name: str) -> str:
    """ASCII, lowercase, dash-separated; 'project' when nothing of the name survives."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-") or "project"


def _unique_slug(base: str, *, session: Session) -> str:
    taken = set(
        session.exec(
            select(Project.slug).where(
                (Project.slug == base) | col(Project.slug).startswith(f"{base}-")
            )
        ).all()
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _check_name_free(owner: User, name: str, *, session: Session, skip_id: int | None) -> None:
    query = select(Project.id).where(
        Project.owner_id == owner.id, func.lower(Project.name) == name.lower()
    )
    if skip_id is not None:
        query = query.where(Project.id != skip_id)
    if session.exec(query).first() is not None:
        raise Conflict(f"you already have a project named '{name}'", code="duplicate_name")


def author_for(user: User) -> Author:
    """Commits carry the person's name/email when known, Vibe's fixed identity otherwise."""
    default = Author()
    return Author(
        name=user.name or user.username or default.name, email=user.email or default.email
    )


def create_project(owner: User, *, name: str, description: str = "", session: Session) -> Access:
    """A new project owned by ``owner``, with its workspace initialised as a git repository."""
    name, description = clean_name(name), clean_description(description)
    _check_name_free(owner, name, session=session, skip_id=None)
    project = Project(
        owner_id=owner.id,  # type: ignore[arg-type]
        name=name,
        slug=_unique_slug(slugify(name), session=session),
        description=description,
    )
    session.add(project)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("another project was created at the same moment; try again") from None
    session.add(Membership(project_id=project.id, user_id=owner.id, role=Role.owner.value))  # type: ignore[arg-type]
    session.flush()
    workspace.create_workspace(project.id, author=author_for(owner))  # type: ignore[arg-type]
    return Access(project, Role.owner)


def list_projects(user: User, *, session: Session) -> list[Access]:
    """The user's projects, most recently updated first."""
    rows = session.exec(
        select(Project, Membership.role)
        .join(Membership, col(Membership.project_id) == Project.id)
        .where(Membership.user_id == user.id)
        .order_by(col(Project.updated_at).desc(), col(Project.id).desc())
    ).all()
    return [Access(project, Role(role)) for project, role in rows]


def get_project(
    user: User, ref: int | str, *, session: Session, need: Role = Role.viewer
) -> Access:
    """The project by id or slug if ``user`` is a member with at least ``need``.

    Not a member: NotFound (the project's existence is not revealed). A member whose role is
    too low: Forbidden, saying which role the action needs.
    """
    query = select(Project, Membership.role).join(
        Membership, col(Membership.project_id) == Project.id
    )
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        query = query.where(Project.id == int(ref))
    else:
        query = query.where(Project.slug == str(ref))
    row = session.exec(query.where(Membership.user_id == user.id)).first()
    if row is None:
        raise NotFound("project not found")
    access = Access(row[0], Role(row[1]))
    if not access.allows(need):
        raise Forbidden(
            f"you are a {access.role.value} of this project; "
            f"only {need.value}s can {VERB[need]} it",
        )
    return access


def update_project(
    user: User,
    ref: int | str,
    *,
    name: str | None = None,
    description: str | None = None,
    session: Session,
) -> Access:
    """Rename and/or re-describe a project (editors and owners); the slug stays stable."""
    access = get_project(user, ref, session=session, need=Role.editor)
    project = access.project
    if name is not None:
        new_name = clean_name(name)
        owner = session.get(User, project.owner_id)
        if owner is not None:
            _check_name_free(owner, new_name, session=session, skip_id=project.id)
        project.name = new_name
    if description is not None:
        project.description = clean_description(description)
    project.updated_at = utcnow()
    session.add(project)
    session.flush()
    return access


def touch_project(project: Project, *, session: Session) -> None:
    """Mark a project as changed now (a file was saved), for 'recently updated' ordering."""
    project.updated_at = utcnow()
    session.add(project)
    session.flush()


def delete_project(user: User, ref: int | str, *, confirm: str, session: Session) -> None:
    """Delete a project and its workspace; owners only, with its exact name typed to confirm."""
    access = get_project(user, ref, session=session, need=Role.owner)
    project = access.project
    if (confirm or "").strip() != project.name:
        raise ValidationFailed(
            f"type the project's name, '{project.name}', exactly to confirm deletion",
            code="confirmation_mismatch",
        )
    project_id = project.id
    for membership in session.exec(
        select(Membership).where(Membership.project_id == project_id)
    ).all():
        session.delete(membership)
    session.delete(project)
    session.flush()
    workspace.remove_workspace(project_id)  # type: ignore[arg-type]
