"""Go to definition and find references from the code graph, over HTTP and as pure queries."""

from __future__ import annotations

import pytest

from tests.graph.test_store import REPO, write_repo
from vibe.graph import service as graph_service
from vibe.graph.engine.index import GraphIndex
from vibe.graph.query import to_networkx
from vibe.projects import service as projects
from vibe.projects.workspace import workspace_root

EDITOR = "/api/v1/projects/{pid}/editor"


@pytest.fixture(autouse=True)
def forget_loaded_graphs():
    """The graph service caches loaded graphs by (database URL, index id, generation); the
    PostgreSQL fixture restarts ids after each test, so a cached graph could answer for the
    next test's index. Clear it around these tests."""
    graph_service._cache.clear()
    yield
    graph_service._cache.clear()


@pytest.fixture
def indexed(session, make_user):
    """A project holding the graph fixture repository, indexed in-process (no job runner)."""
    alice = make_user("alice")
    pid = projects.create_project(alice, name="Nav", session=session).project.id
    session.commit()
    write_repo(workspace_root(pid))
    row = graph_service.project_index(alice, pid, session=session)
    session.commit()
    graph_service.index_root(row, session=session)
    return alice, pid


def _line(path: str, text: str) -> int:
    return next(n for n, ln in enumerate(REPO[path].splitlines(), 1) if text in ln)


def test_definition_follows_the_call_to_another_file(login, indexed):
    alice, pid = indexed
    client = login(alice)
    line = _line("pkg/app.py", "return helper(2)")
    res = client.get(
        EDITOR.format(pid=pid) + "/definition",
        params={"path": "pkg/app.py", "line": line, "word": "helper"},
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["indexed"] is True
    first = body["locations"][0]
    assert (first["path"], first["qname"], first["kind"]) == (
        "pkg/util.py",
        "pkg.util.helper",
        "function",
    )
    assert first["line"] == _line("pkg/util.py", "def helper")


def test_definition_of_a_base_class_and_through_an_import(login, indexed):
    alice, pid = indexed
    client = login(alice)
    url = EDITOR.format(pid=pid) + "/definition"
    base = client.get(
        url, params={"path": "pkg/app.py", "line": _line("pkg/app.py", "class App"), "word": "Base"}
    ).json()
    assert base["locations"][0]["qname"] == "pkg.util.Base"
    imported = client.get(
        url, params={"path": "pkg/sub/deep.py", "line": 1, "word": "helper"}
    ).json()
    assert imported["locations"][0]["qname"] == "pkg.util.helper"


def test_references_list_every_caller_with_the_definition_first(login, indexed):
    alice, pid = indexed
    client = login(alice)
    line = _line("pkg/util.py", "def helper")
    body = client.get(
        EDITOR.format(pid=pid) + "/references",
        params={"path": "pkg/util.py", "line": line, "word": "helper"},
    ).json()
    assert body["symbol"]["qname"] == "pkg.util.helper"
    assert body["locations"][0]["via"] == "definition"
    used = {(loc["path"], loc["line"]) for loc in body["locations"][1:]}
    assert ("pkg/app.py", _line("pkg/app.py", "return helper(2)")) in used
    assert ("pkg/sub/deep.py", _line("pkg/sub/deep.py", "return helper(3)")) in used
    assert ("pkg/util.py", _line("pkg/util.py", "return helper(1)")) in used


def test_unresolved_name_has_no_guessed_definition(login, indexed):
    alice, pid = indexed
    client = login(alice)
    body = client.get(
        EDITOR.format(pid=pid) + "/definition",
        params={"path": "pkg/app.py", "line": _line("pkg/app.py", "missing()"), "word": "missing"},
    ).json()
    assert body["indexed"] is True and body["locations"] == []
    assert "No definition of 'missing'" in body["message"]


def test_not_indexed_answers_with_a_message(login, session, make_user):
    bob = make_user("bob")
    pid = projects.create_project(bob, name="Fresh", session=session).project.id
    session.commit()
    res = login(bob).get(
        EDITOR.format(pid=pid) + "/definition", params={"path": "a.py", "line": 1, "word": "x"}
    )
    assert res.status_code == 200
    assert res.json()["indexed"] is False
    assert "not built yet" in res.json()["message"]


def test_non_members_get_404_and_bad_input_422(login, indexed, make_user):
    _alice, pid = indexed
    client = login(make_user("mallory"))
    url = EDITOR.format(pid=pid) + "/references"
    assert client.get(url, params={"path": "pkg/app.py", "line": 1, "word": "x"}).status_code == 404
    assert client.get(url, params={"path": "pkg/app.py", "line": 0, "word": "x"}).status_code == 422


def test_pure_queries_on_the_js_side_of_the_fixture(tmp_path):
    from vibe.editor import graph_nav

    index = GraphIndex(write_repo(tmp_path / "repo"), project="p")
    index.index_all()
    g = to_networkx(index.graph())
    line = _line("web/index.js", "return x()")
    found = graph_nav.find_definitions(g, "web/index.js", line, "x")
    assert [g.nodes[n]["file"] for n in found] == ["web/lib.js"]
    uses = graph_nav.find_references(g, found[0])
    assert ("web/index.js", line) in {(u.path, u.line) for u in uses}
