"""Who may change or remove which server: the rights the pages offer controls by are the ones
the registry enforces when the change comes."""

from __future__ import annotations

import pytest

from tests.orchestrator.conftest import echo_command
from vibe.core.errors import Forbidden
from vibe.orchestrator import registry
from vibe.orchestrator.schemas import ServerIn, ServerPatch
from vibe.projects import members
from vibe.projects import service as projects


def test_rights_match_what_the_registry_accepts(session, admin, make_user):
    owner, viewer = make_user("olive"), make_user("victor")
    shop = projects.create_project(owner, name="shop", session=session).project
    members.add_member(owner, int(shop.id or 0), username="victor", role="viewer", session=session)
    session.commit()
    command, args = echo_command()
    local = {"command": command, "args": args}
    remote = {
        "transport": "streamable_http",
        "url": "https://1.1.1.1/mcp",
    }  # public: no DNS, never dialled
    in_shop = {"scope": "project", "project_id": shop.id}
    made = [
        registry.create_server(admin, ServerIn(name="everyone", **local), session=session),
        registry.create_server(
            admin, ServerIn(name="shop-cmd", **local, **in_shop), session=session
        ),
        registry.create_server(
            admin, ServerIn(name="shop-url", **remote, **in_shop), session=session
        ),
    ]
    session.commit()
    ids = {row.name: int(row.id or 0) for row in made}
    assert set(registry.rights(admin, made, session=session).values()) == {
        registry.Rights(True, True)
    }

    expected = [
        (owner, {"shop-cmd": (False, True), "shop-url": (True, True)}),  # stdio: an admin's
        (viewer, {"shop-cmd": (False, False), "shop-url": (False, False)}),
    ]
    for user, wanted in expected:
        rights = registry.rights(user, made, session=session)
        assert rights[ids["everyone"]] == (False, False), "global servers are an admin's"
        for name, (change, remove) in wanted.items():
            assert rights[ids[name]] == (change, remove), (user.username, name)
        for server_id in ids.values():
            patch = ServerPatch(read_only=True)
            if rights[server_id].change:
                registry.update_server(user, server_id, patch, session=session)
            else:
                with pytest.raises(Forbidden):
                    registry.update_server(user, server_id, patch, session=session)
            if rights[server_id].remove:
                registry.delete_server(user, server_id, session=session)
            else:
                with pytest.raises(Forbidden):
                    registry.delete_server(user, server_id, session=session)
            session.rollback()
