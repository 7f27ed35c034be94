"""The lane for tool calls to streamable-HTTP upstreams, against the echo server as a real child
answering in SSE (the SDK's default) or JSON: results, errors, a restarted server, timeouts that
cancel the call upstream, and the SDK client taking over when the lane cannot be used."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import anyio
import pytest

from tests.orchestrator.conftest import ECHO, HttpEcho, free_port, wait_for_port
from vibe.orchestrator.clients import ServerSpec
from vibe.orchestrator.supervisor import CallFailed, Supervisor
from vibe.orchestrator.upstream import tls_context

JSON_ECHO = """
import runpy, sys, uvicorn
server = runpy.run_path(sys.argv[1])["server"]
app = server.streamable_http_app(json_response=True)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


class JsonHttpEcho(HttpEcho):
    """The echo server answering each POST with one JSON body, as the gateway itself does."""

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", JSON_ECHO, ECHO, str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port)


@pytest.fixture(params=["sse", "json"])
def upstream(request) -> Iterator[HttpEcho]:
    server = HttpEcho() if request.param == "sse" else JsonHttpEcho()
    server.start()
    yield server
    server.stop()


def web(url: str, **flags) -> ServerSpec:
    return ServerSpec(id=1, name="web", transport="streamable_http", url=url, **flags)


def test_calls_take_the_lane_and_answer_as_the_sdk_does(upstream):
    async def scenario() -> None:
        async with Supervisor() as sup:
            sup.apply(web(upstream.url))
            assert await sup.wait_ready(timeout=60)
            lane = sup.runtimes[1].connection.lane
            assert lane is not None and lane.ready
            result, shaped = await sup.call_tool_wire(1, "echo", {"text": "é"})
            assert result["content"] == [{"type": "text", "text": "é"}]
            assert shaped == lane.watch.protocol_version
            assert lane._idle, "the connection went back to the pool"
            sdk = await sup.call_tool(1, "echo", {"text": "é"})
            assert sdk.model_dump(by_alias=True, mode="json", exclude_none=True) == {
                **result,
                "resultType": "complete",
            }
            failed, _ = await sup.call_tool_wire(1, "fail", {"message": "x"})
            assert failed["isError"] is True
            invalid, _ = await sup.call_tool_wire(1, "echo", {})
            assert invalid["isError"] is True  # the upstream's own validation, as an error result
            async with anyio.create_task_group() as tg:
                for i in range(8):
                    tg.start_soon(sup.call_tool_wire, 1, "echo", {"text": str(i)})

    anyio.run(scenario)


def test_a_restarted_upstream_gets_a_new_session_and_the_call_is_resent(upstream):
    async def scenario() -> None:
        async with Supervisor() as sup:
            sup.apply(web(upstream.url))
            assert await sup.wait_ready(timeout=60)
            first = sup.runtimes[1].connection
            assert (await sup.call_tool_wire(1, "echo", {"text": "one"}))[0]["content"]
            await anyio.to_thread.run_sync(upstream.stop)
            await anyio.to_thread.run_sync(upstream.start)
            result, _ = await sup.call_tool_wire(1, "echo", {"text": "two"}, timeout=20)
            assert result["content"][0]["text"] == "two"
            assert sup.runtimes[1].connection is not first

    anyio.run(scenario)


def test_a_timeout_cancels_the_call_upstream(upstream):
    async def scenario() -> None:
        async with Supervisor() as sup:
            sup.apply(web(upstream.url, timeout_seconds=0.5))
            assert await sup.wait_ready(timeout=60)
            with pytest.raises(CallFailed) as info:
                await sup.call_tool_wire(1, "slow", {"seconds": 30})
            assert info.value.outcome == "timeout"
            assert sup.runtimes[1].in_flight == 0
            # The session is still good for the next call.
            result, _ = await sup.call_tool_wire(1, "echo", {"text": "after"})
            assert result["content"][0]["text"] == "after"

    anyio.run(scenario)


def test_a_redirect_leaves_the_call_to_the_sdk_client(upstream):
    async def scenario() -> None:
        async with Supervisor() as sup:
            sup.apply(web(upstream.url + "/"))  # the server redirects /mcp/ to /mcp
            assert await sup.wait_ready(timeout=60)
            lane = sup.runtimes[1].connection.lane
            result, shaped = await sup.call_tool_wire(1, "echo", {"text": "moved"})
            assert result["content"][0]["text"] == "moved"
            assert shaped is None and lane.disabled

    anyio.run(scenario)


def test_no_lane_through_a_proxy(monkeypatch, upstream):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    from vibe.orchestrator.upstream import SessionWatch, lane_for

    async def ignore(_method: str) -> None:
        return None

    assert lane_for(upstream.url, {}, SessionWatch(), ignore) is None
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert lane_for(upstream.url, {}, SessionWatch(), ignore) is not None
    assert lane_for(upstream.url, {"x": "a\r\nb"}, SessionWatch(), ignore) is None


def test_tls_settings_are_made_once_and_off_the_event_loop(monkeypatch) -> None:
    """Loading the CA bundle takes tens of milliseconds: never on the loop, never twice."""
    import threading

    import httpx2

    from vibe.orchestrator import upstream

    made: list[str] = []
    real = httpx2.create_ssl_context

    def create_ssl_context(*args, **kwargs):
        made.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(httpx2, "create_ssl_context", create_ssl_context)
    upstream.tls_context.cache_clear()
    try:
        first = anyio.run(upstream.shared_tls_context)
        assert anyio.run(upstream.shared_tls_context) is first
    finally:
        upstream.tls_context.cache_clear()
    assert len(made) == 1 and made[0] != threading.main_thread().name


SSE_ECHO = """
import runpy, sys, uvicorn
server = runpy.run_path(sys.argv[1])["server"]
uvicorn.run(server.sse_app(), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def test_the_legacy_sse_transport_calls_tools_with_the_shared_tls_settings(monkeypatch) -> None:
    from vibe.orchestrator import clients

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SSE_ECHO, ECHO, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    asked: list[object] = []
    shared = clients.shared_tls_context

    async def recorded():
        asked.append(await shared())
        return asked[-1]

    monkeypatch.setattr(clients, "shared_tls_context", recorded)

    async def scenario() -> None:
        spec = ServerSpec(id=1, name="old", transport="sse", url=f"http://127.0.0.1:{port}/sse")
        async with Supervisor() as sup:
            sup.apply(spec)
            assert await sup.wait_ready(timeout=60)
            result = await sup.call_tool(1, "echo", {"text": "hi"})
            assert result.content[0].text == "hi"

    try:
        wait_for_port(port)
        anyio.run(scenario)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert asked and asked[0] is tls_context()
