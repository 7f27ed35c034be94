"""Connections to upstream MCP servers: our own stdio transport, streamable HTTP and SSE.

The stdio transport is ours rather than the SDK's ``stdio_client`` because the supervisor needs
three things that one hides: the child's pid (to watch it), its stderr (kept as a ring buffer for
the UI instead of going to our own stderr) and a tree kill even when the leader exited on its own
and left children behind. Children start in their own session, so ``killpg`` reaches every
descendant; groups still alive at interpreter exit are killed by an ``atexit`` hook.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2
import mcp_types as types
from anyio.streams.text import TextReceiveStream
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.stdio import get_default_environment
from mcp.client.streamable_http import streamable_http_client
from mcp.os.posix.utilities import terminate_posix_process_tree
from mcp.shared._httpx_utils import MCP_DEFAULT_SSE_READ_TIMEOUT, MCP_DEFAULT_TIMEOUT
from mcp.shared.message import SessionMessage

from vibe import __version__
from vibe.orchestrator import spawn
from vibe.orchestrator.audit import redact
from vibe.orchestrator.upstream import HttpLane, SessionWatch, lane_for, shared_tls_context

log = logging.getLogger("vibe.mcp")

STDERR_LINES = 200
STDIN_CLOSE_GRACE = 1.0
KILL_GRACE = 2.0
EXIT_POLL = 0.05
SSE_DRAIN_SECONDS = 0.25

_LIVE_GROUPS: set[int] = set()


@dataclass
class ServerSpec:
    """Everything needed to reach one server, secrets decrypted; built by the registry."""

    id: int
    name: str
    transport: str = "stdio"
    command: str = ""
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = ""
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    scope: str = "global"
    project_id: int | None = None
    tags: list[str] = field(default_factory=list)
    enabled: bool = True
    placement: str = "local"
    priority: int = 0
    timeout_seconds: float = 60.0
    max_concurrency: int = 8
    rate_limit_per_minute: int = 0
    read_only: bool = False
    confirm_mutations: bool = False
    allowed_tools: list[str] = field(default_factory=list)
    denied_tools: list[str] = field(default_factory=list)
    check_private_url: bool = False

    def connection_key(self) -> tuple[Any, ...]:
        """What, when changed, needs a new connection (flags alone do not)."""
        return (
            self.transport,
            self.command,
            tuple(self.args),
            tuple(sorted(self.env.items())),
            self.cwd,
            self.url,
            tuple(sorted(self.headers.items())),
        )

    def secret_values(self) -> tuple[str, ...]:
        """What must never be shown of this server: every environment value and header (plain
        and secret ones are merged by now, so all are treated as secret)."""
        return (*self.env.values(), *self.headers.values())


class StderrTail:
    """The last lines a child wrote to stderr, for the UI and for failure messages.

    Lines are kept with the server's secret values and anything that looks like a token masked,
    as the audit log has them: the API and pages show the tail to every user who may see the
    server, and a server that logs its token in a debug line must not hand it to them. Masked
    once, as a line arrives, not on every read."""

    def __init__(self, max_lines: int = STDERR_LINES, secrets: tuple[str, ...] = ()) -> None:
        self.lines: deque[str] = deque(maxlen=max_lines)
        self.secrets = secrets

    def feed(self, text: str) -> None:
        for line in text.splitlines():
            self.lines.append(redact(line[:2000], self.secrets))

    def text(self, last: int = 20) -> str:
        return "\n".join(list(self.lines)[-last:])


NotificationHandler = Callable[[str], Awaitable[None]]


@dataclass
class Connection:
    """A live session to one server; ``closed`` is set when the transport went away."""

    client: Client
    closed: anyio.Event
    info: dict[str, Any]

    @property
    def pid(self) -> int | None:
        return self.info.get("pid")

    @property
    def returncode(self) -> int | None:
        return self.info.get("returncode")

    @property
    def lane(self) -> HttpLane | None:
        """The direct lane for tool calls (streamable HTTP upstreams only)."""
        return self.info.get("lane")


@contextlib.asynccontextmanager
async def connect(
    spec: ServerSpec,
    tail: StderrTail,
    on_notification: NotificationHandler,
    info: dict[str, Any] | None = None,
) -> AsyncIterator[Connection]:
    """Open and initialise a session to ``spec``; the transport is torn down on exit.

    ``info`` receives ``pid`` and, once the child is gone, ``returncode`` (stdio only).
    """
    closed = anyio.Event()
    holder: dict[str, Any] = {} if info is None else info

    async def handler(message: Any) -> None:
        method = getattr(message, "method", None)
        if isinstance(method, str):
            await on_notification(method)

    transport = _transport(spec, tail, closed, holder, on_notification)
    client = Client(
        transport,
        mode="legacy",
        cache=None,
        message_handler=handler,
        client_info=types.Implementation(name="vibe-orchestrator", version=__version__),
    )
    async with client:
        yield Connection(client=client, closed=closed, info=holder)


def _transport(
    spec: ServerSpec,
    tail: StderrTail,
    closed: anyio.Event,
    holder: dict[str, Any],
    on_notification: NotificationHandler,
) -> contextlib.AbstractAsyncContextManager[Any]:
    if spec.transport == "stdio":
        return stdio_transport(spec, tail, closed, holder)
    if spec.transport == "streamable_http":
        return _http_transport(spec, closed, holder, on_notification)
    if spec.transport == "sse":
        return _sse_transport(spec, closed)
    raise ValueError(f"unknown transport {spec.transport!r}")


@contextlib.asynccontextmanager
async def _http_transport(
    spec: ServerSpec,
    closed: anyio.Event,
    holder: dict[str, Any],
    on_notification: NotificationHandler,
) -> AsyncIterator[Any]:
    timeout = httpx2.Timeout(30.0, read=max(300.0, spec.timeout_seconds))
    watch = SessionWatch()
    tls = await shared_tls_context()
    transport = DrainingTransport(httpx2.AsyncHTTPTransport(verify=tls), watch)
    lane = lane_for(spec.url, spec.headers, watch, on_notification)
    holder["lane"] = lane
    try:
        async with (
            httpx2.AsyncClient(headers=spec.headers, timeout=timeout, transport=transport) as http,
            streamable_http_client(spec.url, http_client=http) as streams,
        ):
            yield streams
    finally:
        holder.pop("lane", None)
        if lane is not None:
            await lane.aclose()
        closed.set()


class DrainingTransport(httpx2.AsyncBaseTransport):
    """Keeps connections alive across calls to servers that answer POSTs with an SSE stream.

    The SDK's client stops reading such a stream as soon as the JSON-RPC response arrived and
    closes it; the end of the body is still on its way, so the connection cannot go back to the
    pool and every call pays a new TCP connection. Reading on for a moment first lets it.
    It also shows ``watch`` the session each exchange belongs to, for the tool-call lane.
    """

    def __init__(self, inner: httpx2.AsyncBaseTransport, watch: SessionWatch | None = None) -> None:
        self.inner = inner
        self.watch = watch

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        if self.watch is not None and response.status_code < 300:
            self.watch.saw(request.headers, response.headers)
        content_type = response.headers.get("content-type", "")
        if request.method == "POST" and content_type.startswith("text/event-stream"):
            response.stream = _DrainOnClose(response.stream)  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class _DrainOnClose(httpx2.AsyncByteStream):
    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._chunks: Any = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self._chunks = self._inner.__aiter__()
        async for chunk in self._chunks:
            yield chunk

    async def aclose(self) -> None:
        if self._chunks is not None:
            with anyio.move_on_after(SSE_DRAIN_SECONDS), contextlib.suppress(Exception):
                async for _chunk in self._chunks:
                    pass
        await self._inner.aclose()


@contextlib.asynccontextmanager
async def _sse_transport(spec: ServerSpec, closed: anyio.Event) -> AsyncIterator[Any]:
    tls = await shared_tls_context()

    def http_client(
        headers: dict[str, str] | None = None,
        timeout: httpx2.Timeout | None = None,
        auth: httpx2.Auth | None = None,
    ) -> httpx2.AsyncClient:
        """The SDK's client (its timeouts), with the shared TLS settings."""
        timeout = timeout or httpx2.Timeout(MCP_DEFAULT_TIMEOUT, read=MCP_DEFAULT_SSE_READ_TIMEOUT)
        return httpx2.AsyncClient(headers=headers, timeout=timeout, auth=auth, verify=tls)

    try:
        async with sse_client(
            spec.url, headers=spec.headers, httpx_client_factory=http_client
        ) as streams:
            yield streams
    finally:
        closed.set()


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """A minimal environment (PATH, HOME, ...) plus the server's own variables.

    Never the whole of ours: Vibe's secret key and database URL are none of a tool's business.
    """
    return get_default_environment() | extra


def start_failure(spec: ServerSpec, exc: OSError) -> str:
    """Why a stdio server's process did not start, naming what the admin has to fix."""
    if spec.cwd and exc.filename == spec.cwd:
        return f"cannot use working directory {spec.cwd}: {exc.strerror or exc}"
    if isinstance(exc, FileNotFoundError):
        return f"command not found: {spec.command}"
    if isinstance(exc, PermissionError):
        return f"command not executable: {spec.command}"
    return f"cannot start {spec.command}: {exc.strerror or exc}"


@contextlib.asynccontextmanager
async def stdio_transport(
    spec: ServerSpec, tail: StderrTail, closed: anyio.Event, holder: dict[str, Any]
) -> AsyncIterator[Any]:
    """Start ``spec.command`` in its own process group and speak JSON-RPC over its pipes."""
    try:
        process = await spawn.start(
            [spec.command, *spec.args], env=child_environment(spec.env), cwd=spec.cwd or None
        )
    except OSError as exc:
        closed.set()
        raise OSError(start_failure(spec, exc)) from exc
    _LIVE_GROUPS.add(process.pid)
    holder["pid"] = process.pid
    read_writer, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](16)
    write_stream, write_reader = anyio.create_memory_object_stream[SessionMessage](16)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(_pump_stdout, process, read_writer, tail)
            tg.start_soon(_pump_stdin, process, write_reader)
            tg.start_soon(_pump_stderr, process, tail)
            tg.start_soon(_watch_exit, process, closed, read_writer, holder)
            try:
                yield read_stream, write_stream
            finally:
                with anyio.CancelScope(shield=True):
                    await stop_process(process)
                tg.cancel_scope.cancel()
    finally:
        closed.set()
        holder["returncode"] = process.returncode
        _LIVE_GROUPS.discard(process.pid)


async def _pump_stdout(process: spawn.Child, writer: Any, tail: StderrTail) -> None:
    assert process.stdout is not None
    buffer = ""
    with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
        async with writer:
            async for chunk in TextReceiveStream(process.stdout, errors="replace"):
                lines = (buffer + chunk).split("\n")
                buffer = lines.pop()
                for line in lines:
                    if not line.strip():
                        continue
                    try:
                        message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
                    except ValueError:
                        tail.feed(f"[stdout, not JSON-RPC] {line[:500]}")
                        continue
                    await writer.send(SessionMessage(message))


async def _pump_stdin(process: spawn.Child, reader: Any) -> None:
    assert process.stdin is not None
    with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
        async with reader:
            async for message in reader:
                data = message.message.model_dump_json(by_alias=True, exclude_unset=True)
                await process.stdin.send((data + "\n").encode())


async def _pump_stderr(process: spawn.Child, tail: StderrTail) -> None:
    assert process.stderr is not None
    with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
        async for chunk in TextReceiveStream(process.stderr, errors="replace"):
            tail.feed(chunk)


async def _watch_exit(
    process: spawn.Child, closed: anyio.Event, read_writer: Any, holder: dict[str, Any]
) -> None:
    """Poll rather than ``wait()``: a grandchild holding the pipes would make wait() hang."""
    while process.returncode is None:
        await anyio.sleep(EXIT_POLL)
    holder["returncode"] = process.returncode
    closed.set()
    await read_writer.aclose()


async def stop_process(process: spawn.Child) -> None:
    """Close stdin, give the server a moment, then kill its whole process group."""
    if process.stdin is not None:
        with contextlib.suppress(Exception):
            await process.stdin.aclose()
    with anyio.move_on_after(STDIN_CLOSE_GRACE):
        while process.returncode is None:
            await anyio.sleep(EXIT_POLL / 5)
    # Even when the leader left on its own, children it started may still be running.
    await terminate_posix_process_tree(process, KILL_GRACE)
    with anyio.move_on_after(KILL_GRACE):
        while process.returncode is None:
            await anyio.sleep(EXIT_POLL / 5)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(Exception):
                await stream.aclose()


def _kill_leftover_groups() -> None:
    for pgid in list(_LIVE_GROUPS):
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)


atexit.register(_kill_leftover_groups)
