"""What the MCP gateway costs: the same echo tool called directly and through /mcp.

Starts an echo MCP server (streamable HTTP, served by uvicorn exactly like the API: no access log,
the same response mode as the gateway) and the real Vibe API (uvicorn, own process, SQLite in a
temp folder) with that server registered. One real mcp.Client session per side calls `echo` at
concurrency 1 and 16. After a warm-up, the two sides take turns for several rounds, so both see
the same machine load; latencies are pooled over the rounds and throughput is the median round.

    .venv/bin/python bench/mcp_gateway.py [--calls 400] [--rounds 3] [--profile out.txt]

``--profile`` runs the API under ``py-spy record -f raw`` (py-spy must be installed) and writes
collapsed stacks, which ``--top`` summarises. Prints p50/p99 latencies per side, the latency the
gateway adds (p50 and p99) and its throughput as a ratio of direct.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONCURRENCIES = (1, 16)
WARMUP_CALLS = 64
Side = dict[int, list[tuple[list[float], float]]]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


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


def serve_echo(port: int) -> None:
    """The upstream: one `echo` tool, served like the gateway is (same response mode, no logs)."""
    import uvicorn
    from mcp.server.mcpserver import MCPServer

    from vibe.orchestrator import gateway

    server = MCPServer("echo", version="1.0")

    @server.tool()
    def echo(text: str) -> str:
        """Return the text unchanged."""
        return text

    json_response = getattr(gateway, "JSON_RESPONSE", False)  # as the gateway answers
    app = server.streamable_http_app(json_response=json_response)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def prepare_database(data: Path, echo_url: str) -> tuple[dict[str, str], str]:
    """Migrate a fresh SQLite database, create an admin, a token and the echo server row."""
    env = {
        "VIBE_DATA_DIR": str(data),
        "VIBE_DATABASE_URL": f"sqlite:///{data / 'vibe.db'}",
        "VIBE_SECRET_KEY": "bench-secret-key",
        "VIBE_LOG_JSON": "false",
        "VIBE_LOG_LEVEL": "WARNING",
        "VIBE_MCP_ALLOW_PRIVATE_URLS": "true",
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
    echo_url: str, gateway_url: str, token: str, calls: int, rounds: int, meter: CpuMeter
) -> tuple[Side, Side]:
    """Both sides, one session each, taking turns (ABBA order) so they share the load."""
    direct: Side = defaultdict(list)
    gateway: Side = defaultdict(list)
    async with client_for(echo_url) as d_client, client_for(gateway_url, token) as g_client:
        with anyio.fail_after(60):  # the gateway lists tools once the upstream is connected
            while "echo__echo" not in {t.name for t in (await g_client.list_tools()).tools}:
                await anyio.sleep(0.1)
        sides = [
            ("direct", d_client, "echo", direct),
            ("gateway", g_client, "echo__echo", gateway),
        ]
        for _, client, tool, _ in sides:
            await run_calls(client, tool, WARMUP_CALLS, 1)
            await run_calls(client, tool, WARMUP_CALLS, 16)
        for round_no in range(rounds):
            order = sides if round_no % 2 == 0 else sides[::-1]
            for concurrency in CONCURRENCIES:
                for side, client, tool, results in order:
                    work = run_calls(client, tool, calls, concurrency)
                    results[concurrency].append(await meter.run(side, calls, work))
    return direct, gateway


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its reaped children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / CLOCK_TICKS


class CpuMeter:
    """CPU seconds each process spends on each side's calls: robust where wall time is not."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.spent: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.calls: dict[str, int] = defaultdict(int)

    async def run(self, side: str, calls: int, work: Any) -> Any:
        before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        client_before = time.process_time()
        result = await work
        for name, pid in self.pids.items():
            self.spent[side][name] += cpu_seconds(pid) - before[name]
        self.spent[side]["client"] += time.process_time() - client_before
        self.calls[side] += calls
        return result

    def per_call_ms(self, side: str) -> dict[str, float]:
        return {name: 1000 * secs / self.calls[side] for name, secs in self.spent[side].items()}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def api_command(port: int, profile: str) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "vibe.api:create_api",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    if not profile:
        return command
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return [py_spy, "record", "-f", "raw", "-r", "250", "-o", profile, "--", *command]


def child_of(pid: int) -> int:
    """The process py-spy started (the API itself)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=400, help="calls per side, level and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", default="", help="py-spy raw output for the API process")
    parser.add_argument("--top", type=int, default=25, help="functions to print from --profile")
    parser.add_argument("--serve-echo", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_echo is not None:
        serve_echo(args.serve_echo)
        return
    echo_port, api_port = free_port(), free_port()
    echo_url = f"http://127.0.0.1:{echo_port}/mcp"
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            echo_cmd = [sys.executable, __file__, "--serve-echo", str(echo_port)]
            procs.append(subprocess.Popen(echo_cmd, start_new_session=True))
            wait_port(echo_port)
            env, token = prepare_database(Path(tmp), echo_url)
            procs.append(
                subprocess.Popen(
                    api_command(api_port, args.profile),
                    cwd=ROOT,
                    env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
                    start_new_session=True,
                )
            )
            wait_port(api_port)
            gateway_url = f"http://127.0.0.1:{api_port}/mcp"
            api_pid = procs[1].pid if not args.profile else child_of(procs[1].pid)
            meter = CpuMeter({"echo": procs[0].pid, "api": api_pid})
            direct, gateway = anyio.run(
                measure, echo_url, gateway_url, token, args.calls, args.rounds, meter
            )
        finally:
            for proc in reversed(procs):
                proc.send_signal(2)  # SIGINT: uvicorn stops cleanly and py-spy writes its file
                proc.wait(timeout=30)
    report(direct, gateway, args.calls, args.rounds)
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for side in ("direct", "gateway"):
        spent = ", ".join(f"{k} {v:.2f}" for k, v in sorted(meter.per_call_ms(side).items()))
        print(f"CPU ms per call, {side:>7}: {spent}")
    if args.profile:
        summarise(args.profile, args.top)


def report(direct: Side, gateway: Side, calls: int, rounds: int) -> None:
    print(
        f"echo tool, streamable HTTP, one session per side; {calls} calls per side and level, "
        f"{rounds} interleaved rounds (after {WARMUP_CALLS}+{WARMUP_CALLS} warm-up calls)"
    )
    for concurrency in CONCURRENCIES:
        d_lat = [x for lat, _ in direct[concurrency] for x in lat]
        g_lat = [x for lat, _ in gateway[concurrency] for x in lat]
        d_rps = statistics.median(len(lat) / secs for lat, secs in direct[concurrency])
        g_rps = statistics.median(len(lat) / secs for lat, secs in gateway[concurrency])
        ratios = [
            (len(g) / gs) / (len(d) / ds)
            for (d, ds), (g, gs) in zip(direct[concurrency], gateway[concurrency], strict=True)
        ]
        d50, d99, g50, g99 = pct(d_lat, 0.5), pct(d_lat, 0.99), pct(g_lat, 0.5), pct(g_lat, 0.99)
        print(
            f"concurrency {concurrency:>2}: direct p50 {d50:7.2f} ms p99 {d99:7.2f} ms "
            f"{d_rps:7.1f}/s | gateway p50 {g50:7.2f} ms p99 {g99:7.2f} ms {g_rps:7.1f}/s"
        )
        print(
            f"               added p50 {g50 - d50:+7.2f} ms, p99 {g99 - d99:+7.2f} ms; "
            f"throughput gateway/direct {g_rps / d_rps:.2f} "
            f"(per round: {', '.join(f'{r:.2f}' for r in ratios)})"
        )


def summarise(path: str, top: int) -> None:
    """Self and inclusive sample shares per function from py-spy's collapsed stacks."""
    own: dict[str, int] = defaultdict(int)
    inclusive: dict[str, int] = defaultdict(int)
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not _busy(frames):
            continue
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    print(f"\nprofile of the API process: {total} samples (start-up and idle waits left out)")
    for title, table in (("self", own), ("inclusive", inclusive)):
        print(f"-- top {top} by {title} time")
        for frame, count in sorted(table.items(), key=lambda kv: -kv[1])[:top]:
            print(f"{100 * count / total:5.1f}%  {frame[:150]}")


IDLE_LEAVES = ("Condition.wait", "select (selectors.py", "Queue.get", "Event.wait (threading")
START_UP = ("_find_and_load", "Config.load", "Orchestrator.reload")


def _busy(frames: list[str]) -> bool:
    """A sample of work done for the calls: not a thread waiting, not the app starting."""
    if frames[-1].startswith(IDLE_LEAVES):
        return False
    return not any(frame.startswith(START_UP) for frame in frames)


if __name__ == "__main__":
    main()
