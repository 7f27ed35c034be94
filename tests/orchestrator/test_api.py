"""REST routes: who may add which server, private URLs, secrets, import/export, calls, routes."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from tests.orchestrator.conftest import echo_command, wait_until
from vibe.core.config import get_settings
from vibe.orchestrator.models import McpServer

BASE = "/api/v1/mcp"
OFFLINE_HTTP = {"transport": "streamable_http", "enabled": False}


@pytest.fixture
def people(make_user, session):
    from vibe.projects import service as projects

    root = make_user("root")
    bob = make_user("bob")
    carol = make_user("carol")
    project = projects.create_project(bob, name="bobs", session=session).project
    session.commit()
    return root, bob, carol, project


def test_global_servers_are_for_admins(login, people):
    root, bob, *_ = people
    client = login(bob)
    refused = client.post(
        f"{BASE}/servers", json={"name": "x", "url": "https://1.1.1.1/mcp", **OFFLINE_HTTP}
    )
    assert refused.status_code == 403
    client = login(root)
    made = client.post(
        f"{BASE}/servers",
        json={"name": "x", "url": "https://1.1.1.1/mcp", "tags": ["search"], **OFFLINE_HTTP},
    )
    assert made.status_code == 201, made.text
    server = made.json()
    assert server["scope"] == "global" and server["status"]["status"] == "stopped"
    dup = client.post(
        f"{BASE}/servers", json={"name": "x", "url": "https://1.1.1.1/mcp", **OFFLINE_HTTP}
    )
    assert dup.status_code == 409
    patched = client.patch(f"{BASE}/servers/{server['id']}", json={"priority": 5})
    assert patched.json()["priority"] == 5
    assert [s["name"] for s in login(bob).get(f"{BASE}/servers").json()] == ["x"]
    assert login(bob).delete(f"{BASE}/servers/{server['id']}").status_code == 403
    assert login(root).delete(f"{BASE}/servers/{server['id']}").status_code == 204
    assert login(root).get(f"{BASE}/servers/{server['id']}").status_code == 404


def test_stdio_servers_are_for_admins(login, people):
    _root, bob, _carol, project = people
    command, args = echo_command()
    response = login(bob).post(
        f"{BASE}/servers",
        json={
            "name": "local",
            "command": command,
            "args": args,
            "scope": "project",
            "project_id": project.id,
        },
    )
    assert response.status_code == 403
    assert "administrators only" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/mcp",
        "http://10.1.2.3/mcp",
        "http://192.168.0.2/mcp",
        "http://[::1]:8000/mcp",
        "http://169.254.169.254/latest",
        "http://localhost:8000/mcp",
    ],
)
def test_private_urls_are_refused_for_users(login, people, url, monkeypatch):
    _root, bob, _carol, project = people
    body = {"name": "web", "url": url, "scope": "project", "project_id": project.id, **OFFLINE_HTTP}
    refused = login(bob).post(f"{BASE}/servers", json=body)
    assert refused.status_code == 400, refused.text
    assert "private or loopback" in refused.json()["error"]["message"]
    monkeypatch.setenv("VIBE_MCP_ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()
    assert login(bob).post(f"{BASE}/servers", json=body).status_code == 201


def test_foreign_project_servers_do_not_exist(login, people):
    _root, bob, carol, project = people
    made = login(bob).post(
        f"{BASE}/servers",
        json={
            "name": "web",
            "url": "https://1.1.1.1/mcp",
            "scope": "project",
            "project_id": project.id,
            **OFFLINE_HTTP,
        },
    )
    assert made.status_code == 201, made.text
    server_id = made.json()["id"]
    client = login(carol)
    assert client.get(f"{BASE}/servers/{server_id}").status_code == 404
    assert client.patch(f"{BASE}/servers/{server_id}", json={"priority": 1}).status_code == 404
    assert client.delete(f"{BASE}/servers/{server_id}").status_code == 404
    assert client.get(f"{BASE}/servers").json() == []
    foreign = client.post(
        f"{BASE}/servers",
        json={
            "name": "mine",
            "url": "https://1.1.1.1/mcp",
            "scope": "project",
            "project_id": project.id,
            **OFFLINE_HTTP,
        },
    )
    assert foreign.status_code == 404


def test_secrets_are_encrypted_and_never_echoed(login, people, session):
    root, *_ = people
    response = login(root).post(
        f"{BASE}/servers",
        json={
            "name": "gh",
            "url": "https://1.1.1.1/mcp",
            "headers": {"Authorization": "Bearer s3cr3t"},
            **OFFLINE_HTTP,
        },
    )
    assert "s3cr3t" not in response.text
    assert response.json()["header_keys"] == ["Authorization"]
    row = session.exec(select(McpServer)).one()
    assert "s3cr3t" not in row.headers_enc and row.headers_enc


def test_import_export_round_trip_keeps_stored_secrets(login, people, session):
    root, *_ = people
    client = login(root)
    config = {
        "mcpServers": {
            "gh": {
                "command": "mcp-github",
                "args": ["stdio"],
                "env": {"GITHUB_TOKEN": "ghp_x1", "MODE": "fast"},
                "disabled": True,
            },
            "web": {
                "url": "https://1.1.1.1/mcp",
                "headers": {"X-Api-Key": "k3y"},
                "disabled": True,
            },
        }
    }
    imported = client.post(f"{BASE}/import", json={"config": config})
    assert imported.status_code == 200, imported.text
    exported = client.get(f"{BASE}/export").json()
    text = json.dumps(exported)
    assert "ghp_x1" not in text and "k3y" not in text
    assert exported["mcpServers"]["gh"]["env"] == {
        "MODE": "fast",
        "GITHUB_TOKEN": "${secret:GITHUB_TOKEN}",
    }
    again = client.post(f"{BASE}/import", json={"config": exported})
    assert again.status_code == 200, again.text
    from vibe.orchestrator.registry import secrets_of

    session.expire_all()
    rows = {r.name: r for r in session.exec(select(McpServer)).all()}
    assert secrets_of(rows["gh"])[0] == {"GITHUB_TOKEN": "ghp_x1"}
    assert secrets_of(rows["web"])[1] == {"X-Api-Key": "k3y"}
    vscode = client.get(f"{BASE}/export", params={"format": "vscode"}).json()
    assert vscode["servers"]["web"]["type"] == "http"
    bad = client.post(f"{BASE}/import", json={"config": {"mcpServers": {"x": {"type": "stdio"}}}})
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "mcpServers.x.command: required for stdio"


def test_tools_calls_test_connection_and_route(login, people):
    root, *_ = people
    client = login(root)
    command, args = echo_command()
    made = client.post(
        f"{BASE}/servers", json={"name": "echo", "command": command, "args": args, "tags": ["echo"]}
    )
    server_id = made.json()["id"]
    probe = client.post(f"{BASE}/servers/{server_id}/test").json()
    assert probe["ok"] and "echo" in probe["tools"]
    wait_until(lambda: client.get(f"{BASE}/tools").json(), deadline=30, what="the echo tools")
    tools = client.get(f"{BASE}/tools").json()
    assert "echo__echo" in [t["name"] for t in tools]
    result = client.post(f"{BASE}/tools/echo__echo/call", json={"arguments": {"text": "rest"}})
    assert result.json()["content"][0]["text"] == "rest"
    invalid = client.post(f"{BASE}/tools/echo__echo/call", json={"arguments": {}})
    assert invalid.json()["isError"] is True
    route = client.get(f"{BASE}/route", params={"capability": "echo"}).json()
    assert route["chosen"]["name"] == "echo"
    missing = client.get(f"{BASE}/route", params={"capability": "git"}).json()
    assert missing["chosen"] is None
    assert "missing capability 'git'" in missing["candidates"][0]["reasons"][0]
    status = client.get(f"{BASE}/servers/{server_id}").json()["status"]
    assert status["status"] == "ready" and status["pid"]
