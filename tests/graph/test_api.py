"""The graph REST API on a real project workspace: index through the job, then query."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator

import networkx as nx
import pytest

from tests.graph.test_store import write_repo
from vibe.graph.engine.ids import node_id
from vibe.projects import service as projects
from vibe.projects.workspace import workspace_root

DEADLINE = 30.0


@pytest.fixture(autouse=True)
def stop_embedded_runner() -> Iterator[None]:
    from jobs import embedded

    embedded.shutdown()
    yield
    embedded.shutdown()


@pytest.fixture
def project(session, make_user):
    alice = make_user("alice")
    access = projects.create_project(alice, name="Graph", session=session)
    session.commit()
    write_repo(workspace_root(access.project.id))
    return alice, access.project.id


def wait_indexed(client, base: str) -> dict:
    end = time.monotonic() + DEADLINE
    while True:
        status = client.get(f"{base}/status").json()
        job = status["job"]
        if job and job["status"] in ("succeeded", "failed", "cancelled"):
            return status
        assert time.monotonic() < end, f"indexing did not finish: {status}"
        threading.Event().wait(0.02)


def test_index_then_query_every_route(login, project):
    alice, pid = project
    client = login(alice)
    base = f"/api/v1/projects/{pid}/graph"
    assert client.get(f"{base}/search", params={"q": "helper"}).status_code == 404
    started = client.post(f"{base}/index")
    assert started.status_code == 202, started.text
    status = wait_indexed(client, base)
    assert status["job"]["status"] == "succeeded", status
    assert status["status"] == "ready" and status["files"] == 7 and status["generation"] == 1

    helper = node_id(str(pid), "function", "pkg.util.helper")
    app_run = node_id(str(pid), "method", "pkg.app.App.run")
    found = client.get(f"{base}/search", params={"q": "helpr"}).json()
    assert found[0]["id"] == helper and found[0]["match"] == "fuzzy"
    node = client.get(f"{base}/nodes/{helper}").json()
    assert node["docstring"] == "Add one." and node["signature"].startswith("def helper")
    calls = client.get(f"{base}/nodes/{helper}/neighbours", params={"kind": "calls"}).json()
    assert {n["direction"] for n in calls} == {"in"}
    callers = client.get(f"{base}/nodes/{helper}/callers", params={"depth": 2}).json()
    assert app_run in {n["id"] for n in callers["nodes"]}
    callees = client.get(f"{base}/nodes/{app_run}/callees").json()
    assert helper in {n["id"] for n in callees["nodes"]}
    path = client.get(f"{base}/path", params={"source": app_run, "target": helper}).json()
    assert path["directed"] and len(path["nodes"]) == 2
    assert client.get(f"{base}/impact/{helper}").json()["nodes"]
    assert client.get(f"{base}/overview").json()["edges"]
    assert client.get(f"{base}/subgraph/{helper}", params={"budget": 10}).json()["truncated"]
    graphml = client.get(f"{base}/export", params={"format": "graphml"})
    assert graphml.headers["content-type"].startswith("application/graphml+xml")
    assert helper in nx.read_graphml(io.BytesIO(graphml.content))
    cy = client.get(f"{base}/export").json()
    assert cy["elements"]["nodes"]


def test_errors_use_the_envelope(login, project):
    alice, pid = project
    client = login(alice)
    base = f"/api/v1/projects/{pid}/graph"
    client.post(f"{base}/index", json={"full": True})
    wait_indexed(client, base)
    missing = client.get(f"{base}/nodes/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad = client.get(f"{base}/export", params={"format": "pdf"})
    assert bad.status_code == 400 and "turtle" in bad.json()["error"]["message"]
    depth = client.get(f"{base}/impact/x", params={"depth": 0})
    assert depth.status_code == 422 and depth.json()["error"]["code"] == "invalid"


def test_a_foreign_project_is_not_found(login, project, make_user):
    _, pid = project
    client = login(make_user("mallory"))
    base = f"/api/v1/projects/{pid}/graph"
    for response in (
        client.post(f"{base}/index"),
        client.get(f"{base}/status"),
        client.get(f"{base}/search", params={"q": "helper"}),
        client.get(f"{base}/export"),
    ):
        assert response.status_code == 404, response.text
        assert json.loads(response.text)["error"]["code"] == "not_found"


def test_reindex_is_incremental(login, project):
    alice, pid = project
    client = login(alice)
    base = f"/api/v1/projects/{pid}/graph"
    client.post(f"{base}/index")
    wait_indexed(client, base)
    (workspace_root(pid) / "pkg/util.py").write_text("def helper(x):\n    return x\n")
    client.post(f"{base}/index")
    end = time.monotonic() + DEADLINE
    while (status := client.get(f"{base}/status").json())["generation"] < 2:
        assert time.monotonic() < end, status
        threading.Event().wait(0.02)
    job = wait_indexed(client, base)["job"]
    assert job["status"] == "succeeded"
    assert job["result"]["mode"] == "incremental" and job["result"]["touched"] < 7
