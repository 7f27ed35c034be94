"""The gateway's fast path for tool calls, end to end: uvicorn serving the real app, real
mcp.Client sessions, and the echo server upstream over streamable HTTP (so the upstream lane is
used too) or stdio. Every check the SDK's path makes must hold on this one, and everything that
is not a plain tool call must still reach the SDK."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import httpx2
import mcp_types as types
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.orchestrator.conftest import add_server, echo_command, wait_until
from vibe.orchestrator.catalog import CONFIRM_ARG


def _client(base: str, token: str, **kwargs: Any) -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return Client(streamable_http_client(f"{base}/mcp", http_client=http), mode="legacy", **kwargs)


def _runtime(live_api) -> Any:
    return live_api.server.config.app.state.mcp


def _answered(live_api) -> int:
    return _runtime(live_api).fast.answered


async def _ready(client: Client, name: str) -> None:
    with anyio.fail_after(60):  # a child server's start-up on a busy machine
        while name not in {t.name for t in (await client.list_tools()).tools}:
            await anyio.sleep(0.05)


def _text(result: types.CallToolResult) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, types.TextContent))


def test_tool_calls_take_the_fast_path_with_every_check(
    live_api, admin, token_for, http_echo, private_urls
):
    token = token_for(admin)
    flags = {"denied_tools": ["crash"], "confirm_mutations": True}
    add_server(
        live_api.base, token, name="web", transport="streamable_http", url=http_echo.url, **flags
    )

    async def scenario() -> None:
        async with _client(live_api.base, token) as client:
            await _ready(client, "web__echo")
            before = _answered(live_api)
            plain = await client.call_tool("web__echo", {"text": "hi", CONFIRM_ARG: True})
            assert not plain.is_error and _text(plain) == "hi"
            unconfirmed = await client.call_tool("web__echo", {"text": "hi"})
            assert unconfirmed.is_error and f'"{CONFIRM_ARG}": true' in _text(unconfirmed)
            invalid = await client.call_tool("web__echo", {"wrong": 1, CONFIRM_ARG: True})
            assert invalid.is_error and "text" in _text(invalid)
            denied = await client.call_tool("web__crash", {})
            assert denied.is_error and "not allowed" in _text(denied)
            unknown = await client.call_tool("nope__nope", {})
            assert unknown.is_error and "unknown tool" in _text(unknown)
            failing = await client.call_tool("web__fail", {"message": "boom", CONFIRM_ARG: True})
            assert failing.is_error and "fail" in _text(failing)
            assert _answered(live_api) - before == 6
            # Lists, prompts and resources are the SDK's to answer.
            await client.list_tools()
            await client.get_prompt("web__greet", {"who": "Ada"})
            assert _answered(live_api) - before == 6

    anyio.run(scenario)


def test_a_server_timeout_is_an_error_result(live_api, admin, token_for):
    token = token_for(admin)
    command, args = echo_command()
    add_server(live_api.base, token, name="echo", command=command, args=args, timeout_seconds=0.5)

    async def scenario() -> None:
        async with _client(live_api.base, token) as client:
            await _ready(client, "echo__slow")
            before = _answered(live_api)
            late = await client.call_tool("echo__slow", {"seconds": 5})
            assert late.is_error and "timed out" in _text(late)
            assert _answered(live_api) == before + 1

    anyio.run(scenario)


def test_a_cancelled_call_is_cancelled_upstream(
    live_api, admin, token_for, http_echo, private_urls
):
    token = token_for(admin)
    server = add_server(
        live_api.base, token, name="web", transport="streamable_http", url=http_echo.url
    )
    runtime = _runtime(live_api)

    async def scenario() -> None:
        async with _client(live_api.base, token) as client:
            await _ready(client, "web__slow")
            with anyio.move_on_after(1):
                await client.call_tool("web__slow", {"seconds": 30})
            upstream = runtime.orch.sup.runtimes[server["id"]]
            with anyio.fail_after(10):  # not the 30 s the call would have taken
                while upstream.in_flight or runtime.fast.in_flight:
                    await anyio.sleep(0.05)
            assert _text(await client.call_tool("web__echo", {"text": "after"})) == "after"

    anyio.run(scenario)


HEADERS = {"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-06-18"}


def _open_session(base: str, token: str) -> dict[str, str]:
    """Initialise a session by hand; the headers every later request of it needs."""
    headers = {**HEADERS, "Authorization": f"Bearer {token}"}
    hello = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"},
        },
    }
    opened = httpx.post(f"{base}/mcp", json=hello, headers=headers, timeout=10)
    assert opened.status_code == 200, opened.text
    headers["Mcp-Session-Id"] = opened.headers["mcp-session-id"]
    done = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    assert httpx.post(f"{base}/mcp", json=done, headers=headers).status_code == 202
    return headers


def _call(request_id: Any = 7, text: str = "x", **params: Any) -> dict[str, Any]:
    arguments = {"text": text}
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": "echo__echo", "arguments": arguments, **params},
    }


def _echo_session(base: str, token: str) -> dict[str, str]:
    """Register the echo server, open a gateway session, and wait until its tools are listed."""
    command, args = echo_command()
    add_server(base, token, name="echo", command=command, args=args)
    headers = _open_session(base, token)
    listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}

    def listed() -> bool:
        tools = httpx.post(f"{base}/mcp", json=listing, headers=headers).json()["result"]["tools"]
        return "echo__echo" in {t["name"] for t in tools}

    wait_until(listed, deadline=60, what="the echo tools")
    return headers


def test_the_answer_is_the_one_the_sdk_would_give(live_api, admin, token_for):
    token = token_for(admin)
    headers = _echo_session(live_api.base, token)
    before = _answered(live_api)
    fast = httpx.post(f"{live_api.base}/mcp", json=_call("a", "é"), headers=headers)
    assert _answered(live_api) == before + 1
    # The same call the SDK answers (an extra params key keeps it off the fast path).
    slow = httpx.post(f"{live_api.base}/mcp", json=_call("a", "é", task=None), headers=headers)
    assert _answered(live_api) == before + 1
    for response in (fast, slow):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.headers["mcp-session-id"] == headers["Mcp-Session-Id"]
        assert len(response.headers["x-request-id"]) == 32  # the app's request context
    assert (
        fast.json()
        == slow.json()
        == {
            "jsonrpc": "2.0",
            "id": "a",
            "result": {
                "content": [{"type": "text", "text": "é"}],
                "structuredContent": {"result": "é"},
                "isError": False,
            },
        }
    )


def test_other_credentials_and_unknown_sessions_are_not_found(
    live_api, admin, make_user, token_for
):
    mine, theirs = token_for(admin), token_for(make_user("bob"))
    headers = _echo_session(live_api.base, mine)
    before = _answered(live_api)
    stolen = {**headers, "Authorization": f"Bearer {theirs}"}
    assert httpx.post(f"{live_api.base}/mcp", json=_call(), headers=stolen).status_code == 404
    unknown = {**headers, "Mcp-Session-Id": "nope"}
    assert httpx.post(f"{live_api.base}/mcp", json=_call(), headers=unknown).status_code == 404
    anonymous = {k: v for k, v in headers.items() if k != "Authorization"}
    assert httpx.post(f"{live_api.base}/mcp", json=_call(), headers=anonymous).status_code == 401
    assert _answered(live_api) == before


def test_unusual_requests_get_the_sdks_answers(live_api, admin, token_for):
    token = token_for(admin)
    headers = _echo_session(live_api.base, token)
    url = f"{live_api.base}/mcp"
    before = _answered(live_api)
    not_json = httpx.post(url, content=b"{", headers={**headers, "Content-Type": "text/plain"})
    assert not_json.status_code == 400
    broken = httpx.post(url, content=b"{", headers={**headers, "Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"]["code"] == types.PARSE_ERROR
    no_json = httpx.post(url, json=_call(), headers={**headers, "Accept": "text/event-stream"})
    assert no_json.status_code == 406
    httpx.post(url, json=_call(request_id=True), headers=headers)  # not an id JSON-RPC allows
    batch = httpx.post(url, json=[_call(1), _call(2)], headers=headers)
    assert batch.status_code == 400
    note = {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 99}}
    assert httpx.post(url, json=note, headers=headers).status_code == 202
    assert _answered(live_api) == before
    assert httpx.post(url, json=_call(), headers=headers).json()["result"]["isError"] is False
    assert _answered(live_api) == before + 1


def test_the_first_of_a_repeated_header_counts_as_for_the_sdk():
    from vibe.orchestrator.fastpath import _headers

    scope = {
        "headers": [
            (b"accept", b"application/json"),
            (b"x-other", b"\xff"),
            (b"mcp-session-id", b"first"),
            (b"mcp-session-id", b"second"),
        ]
    }
    assert _headers(scope) == {"accept": "application/json", "mcp-session-id": "first"}
