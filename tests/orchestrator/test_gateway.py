"""The aggregated endpoint end to end: uvicorn serving the real app, a real mcp.Client over
streamable HTTP with a bearer API token, and the echo server as a real child process."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import httpx2
import mcp_types as types
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from sqlmodel import select

from tests.orchestrator.conftest import add_server, echo_command, wait_until
from vibe.orchestrator.models import McpAudit


def _client(base: str, token: str, mode: str = "legacy") -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return Client(streamable_http_client(f"{base}/mcp", http_client=http), mode=mode)


async def _tools_when(client: Client, wanted: set[str], deadline: float = 20) -> list[types.Tool]:
    with anyio.fail_after(deadline):
        while True:
            tools = (await client.list_tools(cache_mode="refresh")).tools
            if wanted <= {t.name for t in tools}:
                return tools
            await anyio.sleep(0.05)


def test_no_token_is_refused(live_api):
    response = httpx.post(f"{live_api.base}/mcp", json={}, timeout=10)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    bad = httpx.post(
        f"{live_api.base}/mcp", json={}, headers={"Authorization": "Bearer vibe_nope"}, timeout=10
    )
    assert bad.status_code == 401


def test_gateway_lists_and_forwards_calls(live_api, admin, token_for, session):
    token = token_for(admin)
    command, args = echo_command()
    add_server(live_api.base, token, name="echo", command=command, args=args, tags=["echo"])

    async def scenario() -> None:
        async with _client(live_api.base, token) as client:
            caps = client.server_capabilities
            assert caps.tools and caps.tools.list_changed
            assert caps.prompts and caps.prompts.list_changed
            tools = await _tools_when(client, {"echo__echo", "echo__slow"})
            assert all(len(t.name) <= 64 and ":" not in t.name for t in tools)
            result = await client.call_tool("echo__echo", {"text": "hi"})
            assert not result.is_error
            assert result.content[0].text == "hi"
            bad = await client.call_tool("echo__echo", {"wrong": 1})
            assert bad.is_error and "text" in bad.content[0].text
            unknown = await client.call_tool("nope__nope", {})
            assert unknown.is_error
            failing = await client.call_tool("echo__fail", {"message": "x"})
            assert failing.is_error
            prompts = (await client.list_prompts()).prompts
            assert [p.name for p in prompts] == ["echo__greet"]
            prompt = await client.get_prompt("echo__greet", {"who": "Ada"})
            assert "Ada" in prompt.messages[0].content.text
            resources = (await client.list_resources()).resources
            assert len(resources) == 1
            read = await client.read_resource(str(resources[0].uri))
            assert read.contents[0].text == "echo server readme"

    anyio.run(scenario)

    def audited() -> list[McpAudit]:
        session.rollback()  # a fresh transaction sees rows committed since
        return list(session.exec(select(McpAudit).order_by(McpAudit.id)).all())

    wait_until(lambda: len(audited()) >= 3, what="the audit rows")
    rows = audited()
    outcomes = [(r.tool, r.outcome) for r in rows]
    assert ("echo", "ok") in outcomes
    assert ("echo", "denied") in outcomes  # invalid arguments never reached the server
    assert ("fail", "tool_error") in outcomes
    assert all(len(r.args_sha256) == 64 and r.user_id == admin.id for r in rows)

    # per server and tool, for Prometheus
    metric = _samples(httpx.get(f"{live_api.base}/metrics", timeout=10).text)
    assert metric("vibe_mcp_calls_total", server="echo", tool="echo", outcome="ok") >= 1
    assert metric("vibe_mcp_calls_total", server="echo", tool="fail", outcome="tool_error") >= 1
    assert metric("vibe_mcp_call_seconds_count", server="echo", tool="echo") >= 1
    assert metric("vibe_mcp_server_up", server="echo") == 1
    assert metric("vibe_mcp_breaker_open", server="echo") == 0


def _samples(exposition: str) -> Callable[..., float]:
    """A sample's value in Prometheus text format, by its name and labels."""
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for line in exposition.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            name, _, labels = series.partition("{")
            found[(name, frozenset(re.findall(r'(\w+)="([^"]*)"', labels)))] = float(value)
    return lambda name, **labels: found[(name, frozenset(labels.items()))]


def test_list_changed_is_forwarded(live_api, admin, token_for):
    token = token_for(admin)
    command, args = echo_command()
    add_server(live_api.base, token, name="echo", command=command, args=args)
    changed = anyio.Event()

    async def on_message(message: Any) -> None:
        if getattr(message, "method", "") == "notifications/tools/list_changed":
            changed.set()

    async def scenario() -> None:
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
        transport = streamable_http_client(f"{live_api.base}/mcp", http_client=http)
        async with Client(transport, mode="legacy", message_handler=on_message) as client:
            await _tools_when(client, {"echo__add_tool"})
            changed_before = changed.is_set()
            await client.call_tool("echo__add_tool", {"name": "late"})
            with anyio.fail_after(10):
                await changed.wait()
            await _tools_when(client, {"echo__late"})
            assert changed_before in (True, False)

    anyio.run(scenario)


def test_modern_client_also_works(live_api, admin, token_for):
    token = token_for(admin)
    command, args = echo_command()
    add_server(live_api.base, token, name="echo", command=command, args=args)

    async def scenario() -> None:
        async with _client(live_api.base, token, mode="auto") as client:
            await _tools_when(client, {"echo__echo"})
            result = await client.call_tool("echo__echo", {"text": "modern"})
            assert result.content[0].text == "modern"

    anyio.run(scenario)


def test_older_clients_reach_the_gateway_over_sse_on_sessions_bound_to_their_token(
    live_api, admin, make_user, token_for
):
    token, other = token_for(admin), token_for(make_user("mallory"))
    command, args = echo_command()
    add_server(live_api.base, token, name="echo", command=command, args=args)
    sessions: list[str] = []

    async def scenario() -> None:
        transport = sse_client(
            f"{live_api.base}/mcp/sse",
            headers={"Authorization": f"Bearer {token}"},
            on_session_created=sessions.append,
        )
        async with Client(transport, mode="legacy") as client:
            await _tools_when(client, {"echo__echo"})
            result = await client.call_tool("echo__echo", {"text": "over sse"})
            assert result.content[0].text == "over sse"
            url = f"{live_api.base}/mcp/messages/?session_id={sessions[0]}"
            ping = {"jsonrpc": "2.0", "id": 99, "method": "ping"}
            async with httpx2.AsyncClient(timeout=10) as http:
                foreign = await http.post(
                    url, json=ping, headers={"Authorization": f"Bearer {other}"}
                )
                assert foreign.status_code == 404  # as if there were no such session
                assert (await http.post(url, json=ping)).status_code == 401
            assert (await client.call_tool("echo__echo", {"text": "still mine"})).content[
                0
            ].text == ("still mine")

    anyio.run(scenario)
    assert (
        httpx.get(
            f"{live_api.base}/mcp/sse", headers={"Authorization": "Bearer vibe_no"}
        ).status_code
        == 401
    )


def test_a_user_sees_only_global_and_own_project_servers(
    live_api, admin, make_user, token_for, session
):
    from vibe.projects import service as projects

    bob = make_user("bob")
    carol = make_user("carol")
    mine = projects.create_project(bob, name="bobs", session=session).project
    session.commit()
    admin_token = token_for(admin)
    command, args = echo_command()
    add_server(live_api.base, admin_token, name="shared", command=command, args=args)
    add_server(
        live_api.base,
        admin_token,
        name="bobonly",
        command=command,
        args=args,
        scope="project",
        project_id=mine.id,
    )

    async def names(token: str, wanted: set[str]) -> set[str]:
        async with _client(live_api.base, token) as client:
            tools = await _tools_when(client, wanted)
            return {t.name.split("__")[0] for t in tools}

    assert anyio.run(names, token_for(bob), {"shared__echo", "bobonly__echo"}) == {
        "shared",
        "bobonly",
    }
    time.sleep(0)  # carol is no member of bob's project
    assert anyio.run(names, token_for(carol), {"shared__echo"}) == {"shared"}


def test_answers_are_plain_json_and_connections_are_kept(live_api, admin, token_for):
    token = token_for(admin)
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"},
        },
    }
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json, text/event-stream",
    }
    with httpx.Client(headers=headers, timeout=10) as http:
        response = http.post(f"{live_api.base}/mcp", json=init)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["result"]["capabilities"]["tools"]["listChanged"] is True
        assert response.headers.get("connection", "keep-alive") != "close"
