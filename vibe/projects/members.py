"""Who belongs to a project and with which role.

Owners manage members; anyone may leave. A project always keeps at least one owner, so it can
never end up with nobody able to administer or delete it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from vibe.auth.models import User
from vibe.core.errors import Conflict, NotFound, ValidationFailed
from vibe.projects.models import Membership, Role
from vibe.projects.service import get_project, parse_role


@dataclass(frozen=True)
class Member:
    user_id: int
    username: str
    name: str
    avatar_url: str
    role: Role
    joined_at: datetime


def _member(user: User, membership: Membership) -> Member:
    return Member(
        user_id=user.id,  # type: ignore[arg-type]
        username=user.username,
        name=user.name,
        avatar_url=user.avatar_url,
        role=Role(membership.role),
        joined_at=membership.created_at,
    )


def list_members(user: User, ref: int | str, *, session: Session) -> list[Member]:
    """Members of a project the caller can see, owners first, then by username."""
    access = get_project(user, ref, session=session)
    rows = session.exec(
        select(User, Membership)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.project_id == access.project.id)
        .order_by(col(User.username))
    ).all()
    order = {Role.owner: 0, Role.editor: 1, Role.viewer: 2}
    members = [_member(u, m) for u, m in rows]
    return sorted(members, key=lambda m: order[m.role])


def _find_user(username: str, *, session: Session) -> User:
    wanted = (username or "").strip().lstrip("@")
    if not wanted:
        raise ValidationFailed("enter the username of the person to add")
    found = session.exec(select(User).where(User.username == wanted)).first()
    if found is None or not found.is_active:
        raise NotFound(f"no user named '{wanted}'; they need to sign in to Vibe once first")
    return found


def _membership(project_id: int, username: str, *, session: Session) -> tuple[User, Membership]:
    row = session.exec(
        select(User, Membership)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.project_id == project_id, User.username == username)
    ).first()
    if row is None:
        raise NotFound(f"'{username}' is not a member of this project")
    return row[0], row[1]


def _owner_count(project_id: int, *, session: Session) -> int:
    owners = session.exec(
        select(Membership.id).where(
            Membership.project_id == project_id, Membership.role == Role.owner.value
        )
    ).all()
    return len(owners)


def add_member(user: User, ref: int | str, *, username: str, role: str, session: Session) -> Member:
    """Give an existing user a role in the project (owners only)."""
    access = get_project(user, ref, session=session, need=Role.owner)
    new_role = parse_role(role)
    person = _find_user(username, session=session)
    existing = session.exec(
        select(Membership).where(
            Membership.project_id == access.project.id, Membership.user_id == person.id
        )
    ).first()
    if existing is not None:
        raise Conflict(f"'{person.username}' is already a {existing.role} of this project")
    membership = Membership(
        project_id=access.project.id,  # type: ignore[arg-type]
        user_id=person.id,  # type: ignore[arg-type]
        role=new_role.value,
    )
    session.add(membership)
    session.flush()
    return _member(person, membership)


def change_role(
    user: User, ref: int | str, *, username: str, role: str, session: Session
) -> Member:
    """Change a member's role (owners only); the last owner cannot be demoted."""
    access = get_project(user, ref, session=session, need=Role.owner)
    new_role = parse_role(role)
    person, membership = _membership(access.project.id, username, session=session)  # type: ignore[arg-type]
    if (
        membership.role == Role.owner.value
        and new_role != Role.owner
        and _owner_count(access.project.id, session=session) <= 1  # type: ignore[arg-type]
    ):
        raise Conflict("a project needs at least one owner; make someone else owner first")
    membership.role = new_role.value
    session.add(membership)
    session.flush()
    return _member(person, membership)


def remove_member(user: User, ref: int | str, *, username: str, session: Session) -> None:
    """Remove a member (owners), or leave a project yourself; the last owner must stay."""
    leaving = (username or "").strip() == user.username
    access = get_project(user, ref, session=session, need=Role.viewer if leaving else Role.owner)
    _, membership = _membership(access.project.id, username, session=session)  # type: ignore[arg-type]
    if (
        membership.role == Role.owner.value
        and _owner_count(access.project.id, session=session) <= 1  # type: ignore[arg-type]
    ):
        raise Conflict("a project needs at least one owner; make someone else owner first")
    session.delete(membership)
    session.flush()
