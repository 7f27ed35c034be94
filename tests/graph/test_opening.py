"""The explorer's opening view and facets, prepared once per graph generation and kept on disk."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, create_engine

from tests.graph.test_api import wait_indexed
from tests.graph.test_store import write_repo
from tests.graph.test_views import graph  # noqa: F401  (the indexed project fixture)
from vibe.graph import explorer, opening, service, store, views
from vibe.projects import service as projects
from vibe.projects.workspace import workspace_root


def default_overview(session, user, pid):
    return explorer.project_view(
        user,
        pid,
        "overview",
        params=explorer.OPENING_PARAMS,
        filters=views.Filters(),
        session=session,
    )


@pytest.fixture
def no_graph_loads(monkeypatch):
    """Fails the test if anything loads a graph from the database."""

    def refuse(*args, **kwargs):
        raise AssertionError("the graph was loaded")

    monkeypatch.setattr(service.query, "load_networkx", refuse)
    service._cache.clear()


def test_a_prepared_opening_is_served_without_loading_the_graph(session, graph, request):  # noqa: F811
    alice, pid, _ = graph
    row = service.project_index(alice, pid, session=session)
    expected = default_overview(session, alice, pid)
    explorer.prepare_opening(row, session=session)
    request.getfixturevalue("no_graph_loads")
    got = explorer.opening_view(alice, str(pid), session=session)
    assert got == {**expected, "project_id": pid}
    found = explorer.facets(alice, pid, session=session)
    assert "python" in found["languages"] and "pkg" in found["folders"]


def test_a_new_generation_builds_and_stores_it_again(session, graph):  # noqa: F811
    alice, pid, _ = graph
    row = service.project_index(alice, pid, session=session)
    explorer.prepare_opening(row, session=session)
    data = store.load_graph(session, row.id)
    module = next(n for n in data.nodes.values() if n.kind == "module")
    data.nodes.pop(module.id)
    data.edges = [e for e in data.edges if module.id not in (e.source, e.target)]
    store.save_graph(session, row, data)
    session.commit()
    assert opening.read(session, row) is None  # the stored one is of the older generation
    got = explorer.opening_view(alice, str(pid), session=session)
    assert got["generation"] == row.generation
    assert module.id not in {n["data"]["id"] for n in got["elements"]["nodes"]}
    assert opening.read(session, row)["generation"] == row.generation


def test_a_damaged_file_is_rebuilt(session, graph):  # noqa: F811
    alice, pid, _ = graph
    row = service.project_index(alice, pid, session=session)
    explorer.prepare_opening(row, session=session)
    path = opening._file(session, row.id)
    for damage in ("{not json", json.dumps([1, 2]), json.dumps({"generation": row.generation})):
        path.write_text(damage)
        got = explorer.opening_view(alice, str(pid), session=session)
        assert got["elements"]["nodes"] and got["project_id"] == pid
        assert opening.read(session, row) is not None


def test_strangers_and_unindexed_projects_get_not_found(session, graph, make_user):  # noqa: F811
    from vibe.core.errors import NotFound

    alice, pid, _ = graph
    with pytest.raises(NotFound):
        explorer.opening_view(make_user("mallory"), str(pid), session=session)
    fresh = projects.create_project(alice, name="Fresh", session=session).project.id
    session.commit()
    with pytest.raises(NotFound, match="not been built yet"):
        explorer.opening_view(alice, str(fresh), session=session)


def test_each_database_has_its_own_file(session, tmp_path):
    other = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with Session(other) as elsewhere:
        assert opening._file(session, 1) != opening._file(elsewhere, 1)
    other.dispose()


def test_the_index_job_prepares_the_opening(login, session, make_user):
    alice = make_user("alice")
    pid = projects.create_project(alice, name="Job", session=session).project.id
    session.commit()
    write_repo(workspace_root(pid))
    client = login(alice)
    base = f"/api/v1/projects/{pid}/graph"
    assert client.post(f"{base}/index").status_code == 202
    status = wait_indexed(client, base)
    assert status["job"]["status"] == "succeeded", status
    session.expire_all()
    row = service.project_index(alice, pid, session=session)
    stored = opening.read(session, row)
    assert stored is not None and stored["generation"] == row.generation
    assert "python" in stored["facets"]["languages"]
