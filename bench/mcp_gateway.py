"""What the MCP gateway costs: the same echo tool called directly and through /mcp.

Starts an echo MCP server (streamable HTTP, the same response mode as the gateway, no access
log) and Vibe's backend, served as production serves it, with that server registered (SQLite in
a temp folder). One real mcp.Client session per side calls `echo` at concurrency 1 and 16.
After a warm-up, the two sides take turns for several rounds, so both see the same machine
load; latencies are pooled over the rounds and throughput is the median round. Eight rounds by
default: a single round's ratio moves by ±30% on a busy 2-core machine, and with three rounds
the median still moved by ±0.05 between runs.

    .venv/bin/python bench/mcp_gateway.py [--calls 400] [--rounds 8] [--server serve]
        [--echo-server uvicorn] [--profile out.txt]

``--server`` picks how the backend is served:

- ``serve`` (default): as ``vibe serve`` serves it: uvicorn (uvloop, httptools, one process)
  on the app Reflex serves (``vibe.vibe:app``, a factory), through the same function
  (``vibe.cli.run_backend``) and with the same Reflex settings, except that the built frontend
  is not mounted (nor built): the pages are evaluated but not written (``REFLEX_SKIP_COMPILE``)
  and the backend's routes do not depend on the files. No Redis: the gateway's sessions live in
  one process. Its lifespan adds Vibe's built-in MCP servers, which the gateway starts as child
  processes, as in production; their CPU is left out.
- ``reflex``: the backend as ``reflex run --env prod`` serves it (what ``vibe serve`` did
  before), through the same Reflex function. Without gunicorn installed, Reflex serves it with
  granian (one worker, as ``GRANIAN_WORKERS=1``), in front of the same app.
- ``granian``: ``python -m granian`` on the same app (``vibe.vibe:app``, a factory, ASGI, one
  worker) as Reflex runs it; ``--granian-arg`` passes settings through, to try them.
- ``uvicorn``: uvicorn (uvloop, httptools) on ``vibe.api:create_api`` alone, without Reflex's
  app around it: the figure the gateway was first tuned on.

The echo server stands for any MCP server, so it stays on uvicorn by default; ``--echo-server
granian`` serves it like the backend instead. Both were measured: granian's figures for the
direct side were no better, and keeping the upstream fixed keeps the direct figures comparable
across ``--server`` choices.

``--profile`` runs the backend under ``py-spy record -f raw --subprocesses`` (py-spy must be
installed) and writes collapsed stacks, which ``--top`` summarises for the server's own
processes (granian's Rust side shows only as samples without Python frames).

Prints p50/p99 latencies per side, the latency the gateway adds (p50 and p99), its throughput
as a ratio of direct, and the CPU each process (with its workers) spends per call: the
steadiest figure on a loaded machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
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


def echo_app() -> Any:
    """The upstream: one `echo` tool, answering like the gateway does (same response mode)."""
    from mcp.server.mcpserver import MCPServer

    from vibe.orchestrator import gateway

    server = MCPServer("echo", version="1.0")

    @server.tool()
    def echo(text: str) -> str:
        """Return the text unchanged."""
        return text

    json_response = getattr(gateway, "JSON_RESPONSE", False)  # as the gateway answers
    return server.streamable_http_app(json_response=json_response)


def serve_echo(port: int) -> None:
    import uvicorn

    uvicorn.run(echo_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


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


def cpu_seconds(pid: int, depth: int) -> float:
    """User + system CPU time of a process, its reaped children and, ``depth`` levels down, its
    live descendants, from /proc. One level takes in a server's workers (granian's); a server
    without workers (uvicorn) is measured at depth 0, which leaves out what it starts: the MCP
    servers the gateway runs (Vibe's built-in ones included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    own = sum(int(x) for x in fields[11:15]) / CLOCK_TICKS
    if depth == 0:
        return own
    return own + sum(cpu_seconds(child, depth - 1) for child in children_of(pid))


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(FileNotFoundError):
            found += [int(x) for x in (task / "children").read_text().split()]
    return found


class CpuMeter:
    """CPU seconds each process spends on each side's calls: robust where wall time is not."""

    def __init__(self, pids: dict[str, tuple[int, int]]) -> None:
        self.pids = pids  # name -> (pid, depth of cpu_seconds)
        self.spent: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.calls: dict[str, int] = defaultdict(int)

    async def run(self, side: str, calls: int, work: Any) -> Any:
        before = {name: cpu_seconds(*pid) for name, pid in self.pids.items()}
        client_before = time.process_time()
        result = await work
        for name, pid in self.pids.items():
            self.spent[side][name] += cpu_seconds(*pid) - before[name]
        self.spent[side]["client"] += time.process_time() - client_before
        self.calls[side] += calls
        return result

    def per_call_ms(self, side: str) -> dict[str, float]:
        return {name: 1000 * secs / self.calls[side] for name, secs in self.spent[side].items()}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def api_command(port: int, server: str, granian_args: list[str], profile: str) -> list[str]:
    host = ["--host", "127.0.0.1", "--port", str(port)]
    if server in ("serve", "reflex"):
        command = [sys.executable, __file__, f"--{server}-api", str(port)]
    elif server == "granian":
        command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", *host]
        command += ["--workers", "1", "--log-level", "warning", *granian_args, "vibe.vibe:app"]
    else:
        command = [sys.executable, "-m", "uvicorn", "--factory", "vibe.api:create_api", *host]
        command += ["--log-level", "warning", "--no-access-log"]
    if not profile:
        return command
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    record = [py_spy, "record", "-f", "raw", "-r", "250", "--subprocesses", "-o", profile]
    return [*record, "--", *command]


def serve_api(port: int) -> None:
    """The backend as ``vibe serve`` serves it once the frontend is built: the very function
    it ends in."""
    from vibe.cli import run_backend

    os.chdir(ROOT)
    run_backend("127.0.0.1", port)


def reflex_api(port: int) -> None:
    """The backend as ``reflex run --env prod`` serves it: the very function it ends in.
    (``reflex run --backend-only`` itself refuses to start: rxconfig always names a frontend
    port, for ``vibe serve``'s single port.)"""
    from reflex.constants import LogLevel
    from reflex.utils import exec as reflex_exec

    os.chdir(ROOT)
    reflex_exec.run_backend_prod("127.0.0.1", port, LogLevel.WARNING, False)


def echo_command(port: int, server: str) -> list[str]:
    if server == "uvicorn":
        return [sys.executable, __file__, "--serve-echo", str(port)]
    return [
        *(sys.executable, "-m", "granian", "--interface", "asgi", "--factory"),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        *("--working-dir", str(ROOT / "bench"), "mcp_gateway:echo_app"),
    ]


def backend_env(env: dict[str, str]) -> dict[str, str]:
    """The environment ``vibe serve`` gives the backend (less the frontend mount), plus the
    bench's database."""
    from vibe.cli import backend_env as serving_env

    path = f"{ROOT / 'tools/bun/node_modules/.bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    return {
        **os.environ,
        **env,
        "PYTHONPATH": str(ROOT),
        "PATH": path,
        "REFLEX_USE_SYSTEM_BUN": "1",
        **serving_env(mount_frontend=False),
        "GRANIAN_WORKERS": "1",  # under --server reflex, as ``vibe serve`` pinned it
        "VIBE_REDIS_URL": "",  # one worker, as without Redis; the gateway keeps sessions in memory
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=400, help="calls per side, level and round")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument(
        "--server", choices=("serve", "reflex", "granian", "uvicorn"), default="serve"
    )
    parser.add_argument("--granian-arg", action="append", default=[], help="e.g. --http=1")
    parser.add_argument("--echo-server", choices=("uvicorn", "granian"), default="uvicorn")
    parser.add_argument("--profile", default="", help="py-spy raw output for the API process")
    parser.add_argument("--top", type=int, default=25, help="functions to print from --profile")
    parser.add_argument("--serve-echo", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--serve-api", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--reflex-api", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_echo is not None:
        serve_echo(args.serve_echo)
        return
    if args.serve_api is not None:
        serve_api(args.serve_api)
        return
    if args.reflex_api is not None:
        reflex_api(args.reflex_api)
        return
    echo_port, api_port = free_port(), free_port()
    echo_url = f"http://127.0.0.1:{echo_port}/mcp"
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            echo_cmd = echo_command(echo_port, args.echo_server)
            procs.append(subprocess.Popen(echo_cmd, start_new_session=True))
            wait_port(echo_port)
            env, token = prepare_database(Path(tmp), echo_url)
            procs.append(
                subprocess.Popen(
                    api_command(api_port, args.server, args.granian_arg, args.profile),
                    cwd=ROOT,
                    env=backend_env(env),
                    start_new_session=True,
                )
            )
            wait_port(api_port, deadline=180)
            gateway_url = f"http://127.0.0.1:{api_port}/mcp"
            # under --profile, the backend is py-spy's child: leave py-spy's own CPU out
            api_pid = procs[1].pid if not args.profile else children_of(procs[1].pid)[0]
            workers = args.server in ("reflex", "granian")  # granian's; uvicorn has none
            meter = CpuMeter({"echo": (procs[0].pid, 0), "api": (api_pid, int(workers))})
            api_pids = {api_pid, *(children_of(api_pid) if workers else ())}
            direct, gateway = anyio.run(
                measure, echo_url, gateway_url, token, args.calls, args.rounds, meter
            )
        finally:
            for proc in reversed(procs):
                # SIGINT to the whole group (each runs in its own session): the servers stop
                # cleanly, with their workers, and py-spy writes its file
                os.killpg(proc.pid, signal.SIGINT)
                proc.wait(timeout=30)
    settings = " ".join([args.server, *args.granian_arg])
    print(f"backend served by {settings}, echo by {args.echo_server}")
    report(direct, gateway, args.calls, args.rounds)
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for side in ("direct", "gateway"):
        spent = ", ".join(f"{k} {v:.2f}" for k, v in sorted(meter.per_call_ms(side).items()))
        print(f"CPU ms per call, {side:>7}: {spent}")
    if args.profile:
        summarise(args.profile, args.top, api_pids)


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
            f"(median of the rounds' ratios {statistics.median(ratios):.2f}; "
            f"per round: {', '.join(f'{r:.2f}' for r in ratios)})"
        )


def summarise(path: str, top: int, pids: set[int]) -> None:
    """Self and inclusive sample shares per function from py-spy's collapsed stacks, for the
    server's own processes (not the MCP servers the gateway starts)."""
    own: dict[str, int] = defaultdict(int)
    inclusive: dict[str, int] = defaultdict(int)
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not _busy(frames) or _process_of(frames) not in pids:
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
START_UP = ("_find_and_load", "Config.load", "Orchestrator.reload", "load_target", "App.__call__")


def _process_of(frames: list[str]) -> int:
    """The process a ``--subprocesses`` stack was sampled in (its innermost process frame)."""
    for frame in reversed(frames):
        number = frame.split(":", 1)[0].removeprefix("process ")
        if frame.startswith("process ") and number.isdigit():  # not a function named process
            return int(number)
    return 0


def _busy(frames: list[str]) -> bool:
    """A sample of work done for the calls: not a thread waiting, not the app starting."""
    if frames[-1].startswith(IDLE_LEAVES):
        return False
    return not any(frame.startswith(START_UP) for frame in frames)


if __name__ == "__main__":
    main()
