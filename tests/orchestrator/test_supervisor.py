"""The supervisor against real child processes: parallel start, failures, timeouts, restarts,
breakers and the promise that no process outlives its server."""

from __future__ import annotations

import sys
import time

import anyio
import pytest

from tests.orchestrator.conftest import ECHO, alive, wait_until
from vibe.orchestrator.clients import ServerSpec
from vibe.orchestrator.health import Breaker, Health
from vibe.orchestrator.service import build_catalog
from vibe.orchestrator.supervisor import CallFailed, ServerRuntime, Supervisor, probe


def echo(server_id: int, name: str, *extra: str, **flags) -> ServerSpec:
    return ServerSpec(id=server_id, name=name, command=sys.executable, args=[ECHO, *extra], **flags)


async def until(predicate, deadline: float = 15.0) -> None:
    with anyio.fail_after(deadline):
        while not predicate():
            await anyio.sleep(0.02)


def test_parallel_start_isolates_failures():
    async def scenario() -> None:
        async with Supervisor(start_timeout=15) as sup:
            sup.apply(ServerSpec(id=4, name="mute", command="sleep", args=["60"]))
            sup.apply(ServerSpec(id=2, name="missing", command="/no/such/mcp-server"))
            sup.apply(echo(3, "broken", "--stderr", "bad config: missing key", "--exit", "2"))
            sup.apply(echo(1, "good"))
            await until(lambda: sup.runtimes[1].status == "ready")
            assert sup.runtimes[4].status == "starting", "the mute server is still handshaking"
            await until(lambda: all(sup.runtimes[i].restarts >= 1 for i in (2, 3)))
            assert sup.runtimes[2].error == "command not found: /no/such/mcp-server"
            broken = sup.runtimes[3]
            assert broken.error.startswith("process exited with code 2")
            assert "bad config: missing key" in broken.snapshot()["stderr_tail"]
            result = await sup.call_tool(1, "echo", {"text": "still fine"})
            assert result.content[0].text == "still fine"

    anyio.run(scenario)


def test_a_process_that_cannot_start_names_what_to_fix(tmp_path):
    script = tmp_path / "server.sh"
    script.write_text("#!/bin/sh\n")  # no execute bit, not even root may run it
    gone = tmp_path / "gone"
    cases = [
        (
            ServerSpec(id=1, name="a", command="/no/such/mcp-server"),
            "command not found: /no/such/mcp-server",
        ),
        (ServerSpec(id=2, name="b", command=str(script)), f"command not executable: {script}"),
        (
            ServerSpec(id=3, name="c", command="true", cwd=str(gone)),
            f"cannot use working directory {gone}: No such file or directory",
        ),
        (
            ServerSpec(id=4, name="d", command="true", cwd=str(script)),
            f"cannot use working directory {script}: Not a directory",
        ),
    ]
    for spec, reason in cases:
        result = anyio.run(probe, spec)
        assert not result["ok"] and result["error"] == reason


def test_a_server_is_checked_as_soon_as_it_is_ready_not_one_interval_later():
    async def scenario() -> None:
        async with Supervisor(start_timeout=15, health_interval=3600) as sup:
            sup.apply(echo(1, "good"))
            await until(lambda: sup.runtimes[1].health.latency_ema_ms is not None)
            assert sup.runtimes[1].health.checks == 1

    anyio.run(scenario)


def test_the_stderr_tail_shown_masks_the_servers_secrets_and_tokens():
    async def scenario() -> None:
        spec = ServerSpec(id=1, name="leaky", command="x", env={"API_KEY": "hunter22-secret"})
        runtime = ServerRuntime(spec, Health(breaker=Breaker()))
        runtime.tail.feed("using key hunter22-secret\n")
        runtime.tail.feed("auth: Bearer abc.def.ghi\nready\n")
        assert runtime.snapshot()["stderr_tail"] == [
            "using key [redacted]",
            "auth: [redacted]",
            "ready",
        ]

    anyio.run(scenario)


def test_a_server_that_never_answers_fails_at_the_handshake_deadline():
    async def scenario() -> None:
        async with Supervisor(start_timeout=1) as sup:
            sup.apply(ServerSpec(id=1, name="mute", command="sleep", args=["60"]))
            await until(lambda: sup.runtimes[1].restarts >= 1)
            assert sup.runtimes[1].error == "no answer to the MCP handshake within 1s"
            assert sup.runtimes[1].snapshot()["status"] == "failed"

    anyio.run(scenario)


def test_hanging_tool_times_out_while_another_server_answers():
    async def scenario() -> None:
        async with Supervisor() as sup:
            sup.apply(echo(1, "slowpoke", timeout_seconds=1.0))
            sup.apply(echo(2, "quick"))
            assert await sup.wait_ready(timeout=20)
            outcome: dict[str, float] = {}

            async def hang() -> None:
                started = time.monotonic()
                with pytest.raises(CallFailed) as info:
                    await sup.call_tool(1, "slow", {"seconds": 30})
                assert info.value.outcome == "timeout"
                outcome["hang"] = time.monotonic() - started

            async def answer() -> None:
                await anyio.sleep(0.1)
                started = time.monotonic()
                result = await sup.call_tool(2, "echo", {"text": "here"})
                assert result.content[0].text == "here"
                outcome["answer"] = time.monotonic() - started

            async with anyio.create_task_group() as tg:
                tg.start_soon(hang)
                tg.start_soon(answer)
            assert outcome["answer"] < 0.5
            assert 0.9 < outcome["hang"] < 3
            # the timed-out server still serves other calls
            result = await sup.call_tool(1, "echo", {"text": "alive"})
            assert result.content[0].text == "alive"

    anyio.run(scenario)


def test_concurrency_limit_queues_calls():
    async def scenario() -> None:
        async with Supervisor() as sup:
            sup.apply(echo(1, "single", max_concurrency=1))
            assert await sup.wait_ready(timeout=20)
            started = time.monotonic()
            async with anyio.create_task_group() as tg:
                for _ in range(2):
                    tg.start_soon(sup.call_tool, 1, "slow", {"seconds": 0.3})
            assert time.monotonic() - started >= 0.6

    anyio.run(scenario)


def test_crash_restarts_with_growing_backoff():
    async def scenario() -> None:
        async with Supervisor(backoff_max=4) as sup:
            sup.apply(echo(1, "crashy"))
            assert await sup.wait_ready(timeout=20)
            for round_ in (1, 2):
                first_pid = sup.runtimes[1].pid
                with pytest.raises(CallFailed):
                    await sup.call_tool(1, "crash", {"code": 3})
                await until(lambda r=round_: sup.runtimes[1].restarts >= r)
                assert sup.runtimes[1].error == "process exited with code 3"
                assert "crashing with 3" in sup.runtimes[1].tail.text()
                await until(
                    lambda p=first_pid: (
                        sup.runtimes[1].status == "ready" and sup.runtimes[1].pid != p
                    )
                )
            assert sup.runtimes[1].backoffs == [0.5, 1.0]
            assert not alive(first_pid)

    anyio.run(scenario)


def test_no_process_survives_shutdown_or_removal():
    pids: list[int] = []

    async def scenario() -> None:
        async with Supervisor() as sup:
            sup.apply(echo(1, "a"))
            sup.apply(echo(2, "b"))
            assert await sup.wait_ready(timeout=20)
            for server_id in (1, 2):
                result = await sup.call_tool(server_id, "spawn_child", {})
                pids.extend([sup.runtimes[server_id].pid, result.structured_content["result"]])
            assert all(alive(p) for p in pids)
            await sup.remove(1)
            assert not alive(pids[0]) and not alive(pids[1])
            assert alive(pids[2]) and alive(pids[3])

    anyio.run(scenario)
    wait_until(lambda: not any(alive(p) for p in pids), what="every process to be gone")


def test_breaker_opens_hides_tools_and_closes_again():
    async def scenario() -> None:
        async with Supervisor(breaker_failures=2, breaker_cooldown=0.5) as sup:
            runtime = sup.apply(echo(1, "flaky", timeout_seconds=0.2))
            assert runtime is not None and await sup.wait_ready(timeout=20)
            assert "flaky__echo" in build_catalog([runtime]).tools
            for _ in range(2):
                with pytest.raises(CallFailed):
                    await sup.call_tool(1, "slow", {"seconds": 5})
            assert runtime.health.breaker.state == "open"
            assert build_catalog([runtime]).tools == {}
            with pytest.raises(CallFailed) as info:
                await sup.call_tool(1, "echo", {"text": "x"})
            assert "circuit open" in info.value.message
            await until(lambda: runtime.health.breaker.allows(), deadline=5)
            assert runtime.health.breaker.state == "half_open"
            ok, latency, _ = await sup.check(1)
            assert ok and latency is not None
            assert runtime.health.breaker.state == "closed"
            assert "flaky__echo" in build_catalog([runtime]).tools

    anyio.run(scenario)


def test_http_server_restart_reinitialises_the_session(http_echo):
    async def scenario() -> None:
        async with Supervisor() as sup:
            sup.apply(ServerSpec(id=1, name="web", transport="streamable_http", url=http_echo.url))
            assert await sup.wait_ready(timeout=20)
            first = sup.runtimes[1].connection
            assert (await sup.call_tool(1, "echo", {"text": "one"})).content[0].text == "one"
            await anyio.to_thread.run_sync(http_echo.stop)
            await anyio.to_thread.run_sync(http_echo.start)
            result = await sup.call_tool(1, "echo", {"text": "two"}, timeout=20)
            assert result.content[0].text == "two"
            assert sup.runtimes[1].connection is not first

    anyio.run(scenario)
