"""The floors under ``mcp_gateway.py``'s figures: what a hop in Python costs on this machine.

The same echo server as ``mcp_gateway.py`` is called directly and through a hop that does none
of a gateway's work (no auth, no JSON, no routing, no audit):

- ``--hop tcp``: a uvloop process copying bytes between each client connection and an upstream
  connection of its own. No gateway in Python can add less.
- ``--hop asgi``: uvicorn (uvloop, httptools, as ``vibe serve`` runs it) with a plain ASGI app
  that forwards each POST as it came over kept-alive connections, the way the gateway's fast
  path and upstream lane do, and answers the client's GET stream with 405 (the SDK client then
  does without). What the HTTP server and the ASGI interface alone cost.

The two sides take turns for several rounds, as in ``mcp_gateway.py``; compare its "added p50",
throughput ratios and CPU per call with these.

    .venv/bin/python bench/mcp_relay_floor.py [--hop tcp|asgi] [--calls 400] [--rounds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, cast

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mcp_gateway as gw  # the echo server, clients and meters it measures with

from vibe.orchestrator.upstream import _read_body, _read_head  # gw puts vibe on the path


class Upstream(asyncio.Protocol):
    def __init__(self, client: asyncio.Transport) -> None:
        self.client = client

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.client.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.client.close()


class Downstream(asyncio.Protocol):
    """One client connection; what it sends before its upstream connection is open waits."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.upstream: asyncio.Transport | None = None
        self.early: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.opening = asyncio.ensure_future(self.open())

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self.upstream, _ = await loop.create_connection(
            lambda: Upstream(self.transport), "127.0.0.1", self.port
        )
        self.upstream.writelines(self.early)
        self.early.clear()

    def data_received(self, data: bytes) -> None:
        if self.upstream is None:
            self.early.append(data)
        else:
            self.upstream.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.upstream is not None:
            self.upstream.close()


class Forwarder:
    """The ``asgi`` hop: each POST sent upstream as it came, the answer passed back."""

    DROPPED = frozenset(
        {b"content-length", b"connection", b"transfer-encoding", b"date", b"server"}
    )

    def __init__(self, upstream_port: int) -> None:
        self.port = upstream_port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] == "GET":
            await _answer(send, 405, [], b"")
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        head = [f"{scope['method']} {scope['path']} HTTP/1.1\r\n".encode()]
        head += [k + b": " + v + b"\r\n" for k, v in scope["headers"] if k not in self.DROPPED]
        head.append(b"content-length: %d\r\n\r\n" % len(body))
        status, headers, answer = await self.exchange(b"".join(head) + body)
        await _answer(send, status, headers, answer)

    async def exchange(self, request: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        while True:
            reused = bool(self.idle)
            reader, writer = (
                self.idle.pop() if reused else await asyncio.open_connection("127.0.0.1", self.port)
            )
            writer.write(request)
            try:
                status, headers = await _read_head(reader)  # as the gateway's lane reads it
            except asyncio.IncompleteReadError:
                if reused:
                    continue  # the upstream closed a kept-alive connection: take another
                raise
            answer, keep = await _read_body(reader, headers)
            if keep:
                self.idle.append((reader, writer))
            fields = [(k.encode(), v.encode()) for k, v in headers.items()]
            return status, [(k, v) for k, v in fields if k not in self.DROPPED], answer


async def _answer(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def serve_forwarder(port: int, upstream_port: int) -> None:
    import uvicorn

    from vibe.cli import UVICORN_SETTINGS  # as `vibe serve` runs uvicorn

    settings = {k: v for k, v in UVICORN_SETTINGS.items() if k != "lifespan"}
    uvicorn.run(Forwarder(upstream_port), host="127.0.0.1", port=port, lifespan="off", **settings)


def serve_relay(port: int, upstream_port: int) -> None:
    import uvloop

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: Downstream(upstream_port), "127.0.0.1", port)
        await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):  # how the bench stops it
        uvloop.run(serve())


async def measure(echo_url: str, relay_url: str, calls: int, rounds: int, relay_pid: int) -> None:
    results: dict[tuple[str, int], list[tuple[list[float], float]]] = defaultdict(list)
    meter = gw.CpuMeter({"hop": (relay_pid, 0)})
    async with gw.client_for(echo_url) as direct, gw.client_for(relay_url) as relayed:
        sides = [("direct", direct), ("relay", relayed)]
        for _, client in sides:
            await gw.run_calls(client, "echo", gw.WARMUP_CALLS, 1)
        for round_no in range(rounds):
            for concurrency in gw.CONCURRENCIES:
                for side, client in sides if round_no % 2 == 0 else sides[::-1]:
                    work = gw.run_calls(client, "echo", calls, concurrency)
                    results[side, concurrency].append(await meter.run(side, calls, work))
    for concurrency in gw.CONCURRENCIES:
        (d_lat, d_rps), (r_lat, r_rps) = (
            _pooled(results[side, concurrency], calls) for side in ("direct", "relay")
        )
        print(
            f"concurrency {concurrency:>2}: direct p50 {d_lat:6.2f} ms | hop p50 {r_lat:6.2f} ms;"
            f" added p50 {r_lat - d_lat:+.2f} ms; throughput hop/direct {r_rps / d_rps:.2f}"
        )
    print(f"the hop's CPU per call: {meter.per_call_ms('relay')['hop']:.3f} ms")


def _pooled(runs: list[tuple[list[float], float]], calls: int) -> tuple[float, float]:
    latencies = [x for run, _ in runs for x in run]
    return gw.pct(latencies, 0.5), statistics.median(calls / elapsed for _, elapsed in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--hop", choices=("tcp", "asgi"), default="tcp")
    parser.add_argument("--serve-tcp", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-asgi", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_tcp:
        serve_relay(*args.serve_tcp)
        return
    if args.serve_asgi:
        serve_forwarder(*args.serve_asgi)
        return
    echo_port, relay_port = gw.free_port(), gw.free_port()
    relay_cmd = [sys.executable, __file__, f"--serve-{args.hop}", str(relay_port), str(echo_port)]
    procs = [
        subprocess.Popen(gw.echo_command(echo_port, "uvicorn"), start_new_session=True),
        subprocess.Popen(relay_cmd, start_new_session=True),
    ]
    try:
        gw.wait_port(echo_port)
        gw.wait_port(relay_port)
        urls = [f"http://127.0.0.1:{port}/mcp" for port in (echo_port, relay_port)]
        print(f"hop: {args.hop}")
        anyio.run(measure, *urls, args.calls, args.rounds, procs[1].pid)
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
