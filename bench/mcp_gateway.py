"""What the MCP gateway costs: the same echo tool called directly and through /mcp.

Starts the echo MCP server (streamable HTTP) and the real Vibe API (uvicorn, own process, SQLite
in a temp folder) with that server registered, then calls `echo` sequentially and at concurrency
16, directly and through the gateway, each over one streamable HTTP session of a real mcp.Client.

    .venv/bin/python bench/mcp_gateway.py [--calls 300]

Prints p50/p99 latencies, the latency the gateway adds, and throughput as a ratio of direct.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ECHO = ROOT / "tests" / "standins" / "mcp_echo.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, deadline: float = 60) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} never opened")


def prepare_database(data: Path, echo_url: str) -> tuple[dict[str, str], str]:
    """Migrate a fresh SQLite database, create an admin, a token and the echo server row."""
    env = {
        "VIBE_DATA_DIR": str(data),
        "VIBE_DATABASE_URL": f"sqlite:///{data / 'vibe.db'}",
        "VIBE_SECRET_KEY": "bench-secret-key",
        "VIBE_LOG_JSON": "false",
        "VIBE_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    from vibe.auth import service as auth
    from vibe.core.db import session_scope
    from vibe.core.migrations import upgrade
    from vibe.orchestrator import registry
    from vibe.orchestrator.schemas import ServerIn

    upgrade()
    with session_scope() as session:
        admin = auth.create_admin("bench", session=session)
        _row, token = auth.create_api_token(admin, "bench", session=session)
        registry.create_server(
            admin,
            ServerIn(name="echo", transport="streamable_http", url=echo_url, max_concurrency=64),
            session=session,
        )
    return env, token


def client_for(url: str, token: str | None = None) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    http = httpx2.AsyncClient(headers=headers, timeout=60)
    return Client(streamable_http_client(url, http_client=http), mode="legacy")


async def run_calls(
    client: Client, tool: str, calls: int, concurrency: int
) -> tuple[list[float], float]:
    latencies: list[float] = []
    per_worker = calls // concurrency

    async def worker() -> None:
        for i in range(per_worker):
            started = time.perf_counter()
            result = await client.call_tool(tool, {"text": f"ping {i}"})
            latencies.append(time.perf_counter() - started)
            assert not result.is_error, result

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(worker)
    return latencies, time.perf_counter() - started


async def measure(
    url: str, tool: str, token: str | None, calls: int
) -> dict[int, tuple[list[float], float]]:
    async with client_for(url, token) as client:
        if token:  # the gateway lists tools once the upstream is connected
            with anyio.fail_after(60):
                while tool not in {t.name for t in (await client.list_tools()).tools}:
                    await anyio.sleep(0.1)
        await run_calls(client, tool, 32, 1)  # warm-up
        return {c: await run_calls(client, tool, calls, c) for c in (1, 16)}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=320)
    args = parser.parse_args()
    echo_port, api_port = free_port(), free_port()
    echo_url = f"http://127.0.0.1:{echo_port}/mcp"
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(ECHO), "--http", str(echo_port)],
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
            wait_port(echo_port)
            env, token = prepare_database(Path(tmp), echo_url)
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "--factory",
                        "vibe.api:create_api",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(api_port),
                        "--log-level",
                        "warning",
                        "--no-access-log",
                    ],
                    cwd=ROOT,
                    env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
                    start_new_session=True,
                )
            )
            wait_port(api_port)
            direct = anyio.run(measure, echo_url, "echo", None, args.calls)
            gateway = anyio.run(
                measure, f"http://127.0.0.1:{api_port}/mcp", "echo__echo", token, args.calls
            )
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=20)
    report(direct, gateway, args.calls)


def report(direct: dict, gateway: dict, calls: int) -> None:
    print(f"echo tool, {calls} calls per run, streamable HTTP, one session per side")
    for concurrency in (1, 16):
        d_lat, d_secs = direct[concurrency]
        g_lat, g_secs = gateway[concurrency]
        d50, d99, g50, g99 = pct(d_lat, 0.5), pct(d_lat, 0.99), pct(g_lat, 0.5), pct(g_lat, 0.99)
        d_rps, g_rps = len(d_lat) / d_secs, len(g_lat) / g_secs
        print(
            f"concurrency {concurrency:>2}: direct p50 {d50:6.2f} ms p99 {d99:6.2f} ms "
            f"{d_rps:7.1f}/s | gateway p50 {g50:6.2f} ms p99 {g99:6.2f} ms {g_rps:7.1f}/s"
        )
        print(
            f"               added p50 {g50 - d50:+6.2f} ms, p99 {g99 - d99:+6.2f} ms; "
            f"throughput ratio gateway/direct {g_rps / d_rps:.2f} "
            f"(mean {statistics.mean(g_lat) / statistics.mean(d_lat):.2f}x latency)"
        )


if __name__ == "__main__":
    main()
