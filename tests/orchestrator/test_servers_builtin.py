"""Vibe's own MCP servers through the gateway: a real mcp.Client over streamable HTTP with a
user's API token, the servers as real stdio children acting as that user."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.orchestrator.conftest import alive, wait_until
from vibe.core.config import get_settings
from vibe.graph import service as graph_service
from vibe.orchestrator import builtin
from vibe.orchestrator.servers.common import IDENTITY_META_KEY, identity_meta, verified_user_id
from vibe.projects import members
from vibe.projects import service as projects
from vibe.projects.workspace import open_workspace

pytestmark = pytest.mark.xdist_group("mcp-builtin")


def _client(base: str, token: str) -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return Client(streamable_http_client(f"{base}/mcp", http_client=http), mode="legacy")


async def _wait_tools(client: Client, wanted: set[str]) -> None:
    with anyio.fail_after(30):
        while not wanted <= {t.name for t in (await client.list_tools(cache_mode="refresh")).tools}:
            await anyio.sleep(0.1)


def _data(result: Any) -> Any:
    assert not result.is_error, result.content[0].text
    if result.structured_content is not None:
        data = result.structured_content
        return data.get("result", data) if isinstance(data, dict) else data
    return json.loads(result.content[0].text)


@pytest.fixture
def team(admin, make_user, session):
    """An owner (the admin) with a project holding two files, and a viewer of it."""
    viewer = make_user("vera")
    access = projects.create_project(admin, name="Demo", session=session)
    session.commit()
    ws = open_workspace(int(access.project.id or 0))
    ws.write("pkg/app.py", "def helper():\n    return 1\n\n\ndef main():\n    return helper()\n",
             base_version=None)  # fmt: skip
    ws.write("README.md", "Demo project\nTODO: write docs\n", base_version=None)
    members.add_member(admin, access.project.id, username="vera", role="viewer", session=session)
    builtin.preconfigure(session=session)
    session.commit()
    return access.project, viewer


def test_preconfigure_creates_the_global_servers_once(session, admin):
    rows = builtin.preconfigure(session=session)
    names = {r.name: r for r in rows}
    assert {"workspace", "graph", "tree-sitter", "semgrep", "github"} <= set(names)
    assert names["workspace"].enabled and names["graph"].enabled
    assert names["workspace"].args == ["-m", "vibe.orchestrator.servers.workspace"]
    names["graph"].enabled = False  # an administrator's choice survives the next start
    session.commit()
    again = {r.name: r for r in builtin.preconfigure(session=session)}
    assert again["graph"].id == names["graph"].id and not again["graph"].enabled
    assert "VIBE_DATABASE_URL" not in again["workspace"].env_plain  # computed, never stored


def test_identity_assertion_is_bound_to_server_user_and_time():
    meta = identity_meta("workspace", 7)
    assert verified_user_id("workspace", meta) == 7
    from mcp.server.mcpserver.exceptions import ToolError

    for bad in (
        None,
        {},
        identity_meta("graph", 7),
        {IDENTITY_META_KEY: {**meta[IDENTITY_META_KEY], "user_id": 8}},
        identity_meta("workspace", 7, now=0),
    ):
        with pytest.raises(ToolError):
            verified_user_id("workspace", bad)


def test_workspace_server_acts_as_the_token_user(live_api, team, admin, token_for):
    project, viewer = team
    owner_token, viewer_token = token_for(admin), token_for(viewer)
    slug = project.slug
    pids: list[int] = []

    async def scenario() -> None:
        async with _client(live_api.base, owner_token) as owner:
            await _wait_tools(owner, {"workspace__read_file", "workspace__write_file"})
            listed = _data(await owner.call_tool("workspace__list_files", {"project": slug}))
            assert {"pkg/app.py", "README.md"} <= {e["path"] for e in listed["entries"]}
            found = _data(await owner.call_tool(
                "workspace__search", {"project": slug, "query": "todo"}))  # fmt: skip
            assert found["matches"] == [
                {"path": "README.md", "line": 2, "text": "TODO: write docs"}
            ]
            read = _data(await owner.call_tool(
                "workspace__read_file", {"project": slug, "path": "README.md"}))  # fmt: skip
            saved = _data(await owner.call_tool("workspace__write_file", {
                "project": slug, "path": "README.md", "content": "New\n",
                "base_version": read["version"]}))  # fmt: skip
            assert saved["commit"]
            stale = await owner.call_tool("workspace__write_file", {
                "project": slug, "path": "README.md", "content": "Lost\n",
                "base_version": read["version"]})  # fmt: skip
            assert stale.is_error and "changed since you opened it" in stale.content[0].text
            escape = await owner.call_tool(
                "workspace__read_file", {"project": slug, "path": "../../etc/passwd"}
            )
            assert escape.is_error
        async with _client(live_api.base, viewer_token) as client:
            await _wait_tools(client, {"workspace__read_file"})
            read = _data(await client.call_tool(
                "workspace__read_file", {"project": slug, "path": "README.md"}))  # fmt: skip
            assert read["content"] == "New\n"
            denied = await client.call_tool("workspace__write_file", {
                "project": slug, "path": "README.md", "content": "x",
                "base_version": read["version"]})  # fmt: skip
            assert denied.is_error and "viewer" in denied.content[0].text
        runtime = live_api.server.config.app.state.mcp.orch.sup.runtimes
        pids.extend(r.pid for r in runtime.values() if r.pid)

    anyio.run(scenario)
    assert open_workspace(int(project.id or 0)).read("README.md").text == "New\n"
    live_api.server.should_exit = True
    for pid in pids:
        wait_until(lambda p=pid: not alive(p), what=f"builtin child {pid} to exit")


def test_strangers_see_no_project(live_api, team, make_user, token_for):
    project, _ = team
    stranger = make_user("eve")

    async def scenario() -> None:
        async with _client(live_api.base, token_for(stranger)) as client:
            await _wait_tools(client, {"workspace__read_file"})
            result = await client.call_tool(
                "workspace__read_file", {"project": project.slug, "path": "README.md"}
            )
            assert result.is_error and "project not found" in result.content[0].text
            mine = _data(await client.call_tool("workspace__list_projects", {}))
            assert mine == []

    anyio.run(scenario)


def test_graph_server_answers_from_the_index(live_api, team, admin, token_for, session):
    project, viewer = team
    row = graph_service.project_index(admin, int(project.id or 0), session=session)
    graph_service.index_root(row, session=session)
    session.commit()
    assert get_settings().data_dir.exists()

    async def scenario() -> None:
        async with _client(live_api.base, token_for(viewer)) as client:
            await _wait_tools(client, {"graph__search", "graph__callers", "graph__overview"})
            hits = _data(await client.call_tool(
                "graph__search", {"project": project.slug, "text": "helper"}))  # fmt: skip
            helper = next(h for h in hits if h["qname"].endswith("app.helper"))
            node = _data(await client.call_tool(
                "graph__node", {"project": project.slug, "node_id": helper["id"]}))  # fmt: skip
            assert node["kind"] == "function"
            called_by = _data(await client.call_tool(
                "graph__callers", {"project": project.slug, "node_id": helper["id"]}))  # fmt: skip
            assert [n["qname"] for n in called_by["nodes"]] == ["pkg.app.main"]
            main = called_by["nodes"][0]["id"]
            calls = _data(await client.call_tool(
                "graph__callees", {"project": project.slug, "node_id": main}))  # fmt: skip
            assert helper["id"] in [n["id"] for n in calls["nodes"]]
            route = _data(await client.call_tool("graph__path", {
                "project": project.slug, "source": main, "target": helper["id"]}))  # fmt: skip
            assert route["directed"]
            hit = _data(await client.call_tool(
                "graph__impact", {"project": project.slug, "node_id": helper["id"]}))  # fmt: skip
            assert main in [n["id"] for n in hit["nodes"]]
            overview = _data(await client.call_tool("graph__overview", {"project": project.slug}))
            assert overview["groups"]

    anyio.run(scenario)
