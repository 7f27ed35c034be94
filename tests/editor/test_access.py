"""The editor reaches workspaces only through membership: run on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from vibe.core.errors import Forbidden, NotFound
from vibe.editor import git_service as g
from vibe.editor.access import project_workspace
from vibe.editor.search import search_workspace
from vibe.projects import members, service
from vibe.projects.models import Role


@pytest.fixture
def team(session, make_user):
    owner, viewer, stranger = make_user("olga"), make_user("vic"), make_user("sam")
    access = service.create_project(owner, name="Shared", session=session)
    members.add_member(owner, access.project.id, username="vic", role="viewer", session=session)
    session.commit()
    return access.project, owner, viewer, stranger


def test_members_get_the_workspace_by_slug_or_id(session, team) -> None:
    project, owner, viewer, _ = team
    ws, access = project_workspace(owner, project.slug, session=session, need=Role.editor)
    assert access.role is Role.owner
    ws.write("a.py", "TODO\n", base_version=None)
    same, _ = project_workspace(viewer, str(project.id), session=session)
    assert same.root == ws.root
    assert [h.path for h in search_workspace(same.root, "todo").hits] == ["a.py"]
    assert g.changes(same.root) == [g.Change("a.py", "added")]


def test_viewers_cannot_write_and_strangers_see_nothing(session, team) -> None:
    project, _, viewer, stranger = team
    with pytest.raises(Forbidden):
        project_workspace(viewer, project.slug, session=session, need=Role.editor)
    with pytest.raises(NotFound):
        project_workspace(stranger, project.slug, session=session)
    with pytest.raises(NotFound):
        project_workspace(stranger, str(project.id), session=session)
