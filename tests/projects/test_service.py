"""Project service: names, slugs, membership-checked lookups, roles, deletion."""

from __future__ import annotations

import pytest

from vibe.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vibe.projects import members, service, workspace
from vibe.projects.models import Project, Role


def test_create_trims_name_and_derives_slug(session, make_user):
    alice = make_user("alice")
    access = service.create_project(alice, name="  My   App ", description=" hi ", session=session)
    assert access.project.name == "My App"
    assert access.project.slug == "my-app"
    assert access.project.description == "hi"
    assert access.role is Role.owner
    assert (workspace.workspace_root(access.project.id) / ".git").is_dir()


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "required"), ("   ", "required"), ("x" * 500, r"too long \(500 characters")],
)
def test_bad_names_are_refused(session, make_user, name, message):
    alice = make_user("alice")
    with pytest.raises(ValidationFailed, match=message):
        service.create_project(alice, name=name, session=session)
    assert service.list_projects(alice, session=session) == []


def test_duplicate_name_for_same_owner_conflicts(session, make_user):
    alice = make_user("alice")
    service.create_project(alice, name="Blog", session=session)
    with pytest.raises(Conflict, match="you already have a project named 'blog'"):
        service.create_project(alice, name="blog", session=session)


def test_same_name_other_owner_gets_suffixed_slug(session, make_user):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    first = service.create_project(alice, name="Blog", session=session)
    second = service.create_project(bob, name="Blog", session=session)
    third = service.create_project(carol, name="blog!", session=session)
    assert [first.project.slug, second.project.slug, third.project.slug] == [
        "blog",
        "blog-2",
        "blog-3",
    ]


def test_slug_of_symbols_only_name(session, make_user):
    alice = make_user("alice")
    assert service.create_project(alice, name="日本", session=session).project.slug == "project"


def test_foreign_project_is_not_found_by_id_or_slug(session, make_user):
    alice, mallory = make_user("alice"), make_user("mallory")
    project = service.create_project(alice, name="Secret", session=session).project
    for ref in (project.id, str(project.id), project.slug, 99999):
        with pytest.raises(NotFound):
            service.get_project(mallory, ref, session=session)


def test_list_only_my_projects_with_roles(session, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    mine = service.create_project(alice, name="Mine", session=session).project
    service.create_project(bob, name="Bobs", session=session)
    members.add_member(bob, "bobs", username="alice", role="viewer", session=session)
    listed = {(a.project.slug, a.role) for a in service.list_projects(alice, session=session)}
    assert listed == {(mine.slug, Role.owner), ("bobs", Role.viewer)}


def test_viewer_cannot_update_editor_can(session, make_user):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    service.create_project(alice, name="App", session=session)
    members.add_member(alice, "app", username="bob", role="viewer", session=session)
    members.add_member(alice, "app", username="carol", role="editor", session=session)
    with pytest.raises(Forbidden, match="viewer"):
        service.update_project(bob, "app", name="Hacked", session=session)
    updated = service.update_project(carol, "app", description="docs", session=session)
    assert updated.project.description == "docs"
    assert updated.project.name == "App"


def test_rename_checks_duplicates_and_keeps_slug(session, make_user):
    alice = make_user("alice")
    service.create_project(alice, name="One", session=session)
    service.create_project(alice, name="Two", session=session)
    with pytest.raises(Conflict):
        service.update_project(alice, "two", name="one", session=session)
    renamed = service.update_project(alice, "two", name="Three", session=session)
    assert (renamed.project.name, renamed.project.slug) == ("Three", "two")


def test_delete_needs_exact_name_and_owner(session, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    project = service.create_project(alice, name="Doomed", session=session).project
    members.add_member(alice, project.id, username="bob", role="editor", session=session)
    root = workspace.workspace_root(project.id)
    with pytest.raises(Forbidden):
        service.delete_project(bob, project.id, confirm="Doomed", session=session)
    for wrong in ("", "doomed", "Doomed!"):
        with pytest.raises(ValidationFailed, match="exactly"):
            service.delete_project(alice, project.id, confirm=wrong, session=session)
    assert root.is_dir()
    service.delete_project(alice, project.id, confirm="Doomed", session=session)
    session.commit()
    assert session.get(Project, project.id) is None
    assert not root.exists()


def test_members_add_change_remove_keep_one_owner(session, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    project = service.create_project(alice, name="Team", session=session).project
    with pytest.raises(NotFound, match="no user named 'nobody'"):
        members.add_member(alice, project.id, username="nobody", role="editor", session=session)
    with pytest.raises(ValidationFailed, match="role"):
        members.add_member(alice, project.id, username="bob", role="god", session=session)
    members.add_member(alice, project.id, username="bob", role="viewer", session=session)
    with pytest.raises(Conflict, match="already"):
        members.add_member(alice, project.id, username="bob", role="editor", session=session)
    with pytest.raises(Forbidden):
        members.add_member(bob, project.id, username="alice", role="viewer", session=session)
    with pytest.raises(Conflict, match="at least one owner"):
        members.change_role(alice, project.id, username="alice", role="editor", session=session)
    with pytest.raises(Conflict, match="at least one owner"):
        members.remove_member(alice, project.id, username="alice", session=session)
    members.change_role(alice, project.id, username="bob", role="owner", session=session)
    members.change_role(bob, project.id, username="alice", role="viewer", session=session)
    names = [(m.username, m.role) for m in members.list_members(bob, project.id, session=session)]
    assert names == [("bob", Role.owner), ("alice", Role.viewer)]
    members.remove_member(alice, project.id, username="alice", session=session)  # leaving
    with pytest.raises(NotFound):
        service.get_project(alice, project.id, session=session)
