"""One supervised, long-lived session per upstream server.

Each server has its own runner task: connect, list, serve until the transport goes away, then
restart with exponential backoff. Runners are independent, so servers start in parallel and a
slow or broken one never holds up the others. Every call has a deadline and goes through the
server's concurrency semaphore; the deadline includes the wait for a slot.
"""

from __future__ import annotations

import asyncio
import math
import time
import warnings
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import anyio
import mcp_types as types
from anyio.abc import TaskGroup
from mcp.shared.exceptions import MCPError

from vibe.orchestrator import health as metrics
from vibe.orchestrator.clients import Connection, ServerSpec, StderrTail, connect
from vibe.orchestrator.health import Breaker, Health
from vibe.orchestrator.upstream import NotForwarded

BACKOFF_START = 0.5
STABLE_AFTER = 30.0
STOP_DEADLINE = 10.0
LIST_PAGES = 50
TAIL_SHOWN = 50  # stderr lines the API and pages show (more are kept for failure messages)
SESSION_GONE = {"Session terminated", "Session not found"}

ChangeHook = Callable[["ServerRuntime"], Awaitable[None]]
Wire = tuple[dict[str, Any], str | None]  # a result's JSON, and the version it is shaped for
HealthHook = Callable[["ServerRuntime", bool, float | None, str], Awaitable[None]]


def _slots(limit: int) -> anyio.Semaphore:
    """A server's concurrency limit. ``fast_acquire``: taking a free slot does not go round the
    event loop first, which cost a twentieth of a tool call's time in the gateway."""
    return anyio.Semaphore(limit, fast_acquire=True)


class CallFailed(Exception):
    """A call that did not produce a result; ``outcome`` is what the audit log records."""

    def __init__(self, outcome: str, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message


@dataclass
class ServerRuntime:
    spec: ServerSpec
    health: Health
    tail: StderrTail = field(init=False)  # masks this server's secrets (see __post_init__)
    status: str = "stopped"  # starting | ready | failed | stopped
    error: str = ""
    restarts: int = 0
    backoffs: list[float] = field(default_factory=list)
    next_retry_at: float | None = None
    tools: list[types.Tool] = field(default_factory=list)
    resources: list[types.Resource] = field(default_factory=list)
    prompts: list[types.Prompt] = field(default_factory=list)
    connection: Connection | None = None
    pid: int | None = None
    stopping: bool = False
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    done: anyio.Event = field(default_factory=anyio.Event)
    wake: anyio.Event = field(default_factory=anyio.Event)
    reconnect: anyio.Event = field(default_factory=anyio.Event)
    semaphore: anyio.Semaphore = field(default_factory=lambda: _slots(8))
    in_flight: int = 0  # requests holding a slot right now
    peak_in_flight: int = 0

    def __post_init__(self) -> None:
        self.tail = StderrTail(secrets=self.spec.secret_values())

    @property
    def available(self) -> bool:
        """Connected and not behind an open breaker: its tools belong in the aggregated list."""
        return self.connection is not None and self.health.breaker.allows()

    def snapshot(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "error": self.error,
            "pid": self.pid,
            "restarts": self.restarts,
            "next_retry_in": (
                round(max(0.0, self.next_retry_at - time.monotonic()), 2)
                if self.next_retry_at and self.status == "failed"
                else None
            ),
            "tools": len(self.tools),
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "stderr_tail": list(self.tail.lines)[-TAIL_SHOWN:],
            **self.health.snapshot(),
        }


class Supervisor:
    """Owns the runner tasks; use as ``async with Supervisor() as sup``."""

    def __init__(
        self,
        *,
        start_timeout: float = 20.0,
        backoff_max: float = 60.0,
        breaker_failures: int = 3,
        breaker_cooldown: float = 30.0,
        health_interval: float | None = None,
    ) -> None:
        self.start_timeout = start_timeout
        self.backoff_max = backoff_max
        self.breaker_failures = breaker_failures
        self.breaker_cooldown = breaker_cooldown
        self.health_interval = health_interval
        self.runtimes: dict[int, ServerRuntime] = {}
        self.on_change: list[ChangeHook] = []
        self.on_health: list[HealthHook] = []
        self._tg: TaskGroup | None = None

    async def __aenter__(self) -> Supervisor:
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        if self.health_interval:
            self._tg.start_soon(self._health_loop)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._tg is not None
        with anyio.CancelScope(shield=True):
            await self.stop_all()
        self._tg.cancel_scope.cancel()
        await self._tg.__aexit__(None, None, None)
        self._tg = None

    # -- membership -------------------------------------------------------------------------

    def apply(self, spec: ServerSpec) -> ServerRuntime | None:
        """Start ``spec``, or adopt its new flags; a changed command/URL restarts it."""
        current = self.runtimes.get(spec.id)
        if not spec.enabled:
            if current is not None:
                self._spawn(self.remove, spec.id)
            return None
        if current is not None and not current.stopping:
            if current.spec.connection_key() == spec.connection_key():
                if spec.max_concurrency != current.spec.max_concurrency:
                    current.semaphore = _slots(spec.max_concurrency)
                current.spec = spec
                return current
            self._spawn(self._replace, spec)
            return current
        return self._start(spec)

    async def sync(self, specs: Iterable[ServerSpec]) -> None:
        """Converge on exactly ``specs``: start the new, adopt the changed, stop the rest."""
        wanted = {spec.id: spec for spec in specs}
        for server_id in [i for i in self.runtimes if i not in wanted]:
            await self.remove(server_id)
        for spec in wanted.values():
            self.apply(spec)

    async def remove(self, server_id: int) -> None:
        """Stop a server and kill its process tree; returns once it is gone."""
        runtime = self.runtimes.pop(server_id, None)
        if runtime is None:
            return
        runtime.stopping = True
        runtime.scope.cancel()
        runtime.wake.set()
        with anyio.move_on_after(STOP_DEADLINE):
            await runtime.done.wait()
        metrics.SERVER_UP.labels(runtime.spec.name).set(0)
        await self._notify(runtime)

    async def stop_all(self) -> None:
        async with anyio.create_task_group() as tg:
            for server_id in list(self.runtimes):
                tg.start_soon(self.remove, server_id)

    async def restart(self, server_id: int) -> None:
        runtime = self.runtimes.get(server_id)
        if runtime is not None:
            await self._replace(runtime.spec)

    async def _replace(self, spec: ServerSpec) -> None:
        await self.remove(spec.id)
        self._start(spec)

    def _start(self, spec: ServerSpec) -> ServerRuntime:
        breaker = Breaker(self.breaker_failures, self.breaker_cooldown)
        runtime = ServerRuntime(spec=spec, health=Health(breaker=breaker))
        runtime.semaphore = _slots(spec.max_concurrency)
        self.runtimes[spec.id] = runtime
        self._spawn(self._run, runtime)
        return runtime

    def _spawn(self, func: Callable[..., Awaitable[Any]], *args: Any) -> None:
        if self._tg is None:
            raise RuntimeError("the supervisor is not running (use `async with`)")
        self._tg.start_soon(func, *args)

    async def wait_ready(self, ids: Iterable[int] | None = None, timeout: float = 10.0) -> bool:
        """Wait until the given servers are ready or have failed once; True if all are ready."""
        targets = list(self.runtimes) if ids is None else list(ids)
        with anyio.move_on_after(timeout):
            while any(self._pending(i) for i in targets):
                await anyio.sleep(0.02)
        return all(
            self.runtimes.get(i) is not None and self.runtimes[i].status == "ready" for i in targets
        )

    def _pending(self, server_id: int) -> bool:
        runtime = self.runtimes.get(server_id)
        return runtime is not None and runtime.status in ("starting", "stopped")

    # -- the runner -------------------------------------------------------------------------

    async def _run(self, runtime: ServerRuntime) -> None:
        delay = BACKOFF_START
        try:
            with runtime.scope:
                while not runtime.stopping:
                    started = time.monotonic()
                    error = await self._session(runtime)
                    if runtime.stopping:
                        break
                    if not error:
                        continue  # a requested reconnect: go again at once
                    if time.monotonic() - started > STABLE_AFTER:
                        delay = BACKOFF_START
                    await self._backoff(runtime, error, delay)
                    delay = min(delay * 2, self.backoff_max)
        finally:
            runtime.status = "stopped" if runtime.stopping else runtime.status
            runtime.done.set()

    async def _backoff(self, runtime: ServerRuntime, error: str, delay: float) -> None:
        runtime.status = "failed"
        runtime.error = error
        runtime.restarts += 1
        runtime.backoffs.append(delay)
        runtime.next_retry_at = time.monotonic() + delay
        metrics.publish(runtime.spec.name, False, runtime.health)
        runtime.wake = anyio.Event()
        with anyio.move_on_after(delay):
            await runtime.wake.wait()

    async def _session(self, runtime: ServerRuntime) -> str:
        """Run one connection to its end; returns why it ended ("" when asked to reconnect)."""
        runtime.status = "starting"
        runtime.reconnect = anyio.Event()
        info: dict[str, Any] = {}
        try:
            with anyio.CancelScope() as handshake:
                handshake.deadline = anyio.current_time() + self.start_timeout
                notifier = self._notifier(runtime)
                async with connect(runtime.spec, runtime.tail, notifier, info) as conn:
                    runtime.pid = conn.pid
                    await self._refresh(runtime, conn)
                    handshake.deadline = math.inf
                    return await self._serve(runtime, conn)
            return f"no answer to the MCP handshake within {self.start_timeout:g}s"
        except Exception as exc:
            if info.get("returncode") is not None:
                return f"process exited with code {info['returncode']} ({describe(exc)})"
            return describe(exc)
        finally:
            was_ready = runtime.connection is not None
            runtime.connection = None
            if was_ready and not runtime.stopping:
                await self._notify(runtime)

    async def _serve(self, runtime: ServerRuntime, conn: Connection) -> str:
        runtime.connection = conn
        runtime.status = "ready"
        runtime.error = ""
        runtime.next_retry_at = None
        metrics.publish(runtime.spec.name, True, runtime.health)
        await self._notify(runtime)
        if self.health_interval:  # latency and health from the start, not one interval later
            self._spawn(self._check_quietly, runtime.spec.id)
        await first_of(conn.closed.wait, runtime.reconnect.wait)
        runtime.connection = None  # before the teardown, which can take a moment
        runtime.status = "starting" if runtime.reconnect.is_set() else "failed"
        await self._notify(runtime)
        if runtime.reconnect.is_set():
            return ""
        if conn.returncode is not None:
            return f"process exited with code {conn.returncode}"
        return "connection closed"

    def _notifier(self, runtime: ServerRuntime) -> Callable[[str], Awaitable[None]]:
        async def notified(method: str) -> None:
            if method.endswith("/list_changed") and runtime.connection is not None:
                self._spawn(self._relist, runtime)

        return notified

    async def _relist(self, runtime: ServerRuntime) -> None:
        conn = runtime.connection
        if conn is None:
            return
        try:
            with anyio.fail_after(runtime.spec.timeout_seconds):
                await self._refresh(runtime, conn)
        except Exception as exc:  # a broken relist keeps the old lists
            runtime.tail.feed(f"[vibe] refreshing lists failed: {describe(exc)}")
            return
        await self._notify(runtime)

    async def _refresh(self, runtime: ServerRuntime, conn: Connection) -> None:
        client = conn.client
        caps = client.server_capabilities
        runtime.tools = await _all_pages(client.list_tools, "tools") if caps.tools else []
        runtime.resources = (
            await _all_pages(client.list_resources, "resources") if caps.resources else []
        )
        runtime.prompts = await _all_pages(client.list_prompts, "prompts") if caps.prompts else []

    async def _notify(self, runtime: ServerRuntime) -> None:
        for hook in list(self.on_change):
            try:
                await hook(runtime)
            except Exception as exc:
                runtime.tail.feed(f"[vibe] change hook failed: {describe(exc)}")

    # -- calls ------------------------------------------------------------------------------

    async def call_tool(
        self,
        server_id: int,
        name: str,
        arguments: dict[str, Any] | None,
        *,
        timeout: float | None = None,
    ) -> types.CallToolResult:
        """Call a tool with the server's deadline; raises CallFailed when there is no result."""

        async def send(client: Any) -> types.CallToolResult:
            return await client.call_tool(name, arguments or {})

        return await self.request(server_id, send, timeout=timeout, label=name)

    async def call_tool_wire(
        self,
        server_id: int,
        name: str,
        arguments: dict[str, Any] | None,
        *,
        meta: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Wire:
        """The call's result in its wire form and the protocol version it is already shaped for:
        the upstream's JSON as written when it came through the connection's lane, or the SDK
        client's result dumped (shaped for no version in particular: None)."""

        async def send(conn: Connection) -> Wire:
            lane = conn.lane
            if lane is not None and lane.ready:
                try:
                    return await lane.call_tool(name, arguments, meta), lane.watch.protocol_version
                except NotForwarded:
                    pass  # nothing was sent: the SDK client's way is still open
            result = await conn.client.call_tool(name, arguments or {}, meta=meta)
            return result.model_dump(by_alias=True, mode="json", exclude_none=True), None

        return await self._exchange(server_id, send, timeout=timeout, label=name)

    async def request(
        self,
        server_id: int,
        send: Callable[[Any], Awaitable[Any]],
        *,
        timeout: float | None = None,
        label: str = "",
    ) -> Any:
        """Run ``send(client)`` on the server's SDK client, with its deadline and slot."""

        async def on_client(conn: Connection) -> Any:
            return await send(conn.client)

        return await self._exchange(server_id, on_client, timeout=timeout, label=label)

    async def _exchange(
        self,
        server_id: int,
        send: Callable[[Connection], Awaitable[Any]],
        *,
        timeout: float | None,
        label: str,
    ) -> Any:
        runtime = self._get(server_id)
        deadline = asyncio.get_running_loop().time() + (timeout or runtime.spec.timeout_seconds)
        if not runtime.health.breaker.allows():
            wait = runtime.health.breaker.seconds_until_retry()
            raise CallFailed(
                "unavailable", f"{runtime.spec.name}: circuit open, retry in {wait:.0f}s"
            )
        for attempt in (1, 2):
            try:
                return await self._send(runtime, send, deadline, label)
            except MCPError as exc:
                if exc.message not in SESSION_GONE or attempt == 2:
                    raise CallFailed("error", exc.message) from exc
                runtime.reconnect.set()  # the upstream restarted: re-initialise and resend once
                await self._await_new_connection(runtime, runtime.connection, deadline)
        raise AssertionError("unreachable")

    async def _send(
        self,
        runtime: ServerRuntime,
        send: Callable[[Connection], Awaitable[Any]],
        deadline: float,
        label: str,
    ) -> Any:
        conn = runtime.connection
        if conn is None:
            raise CallFailed("unavailable", f"{runtime.spec.name} is {runtime.status}")
        started = time.perf_counter()
        try:
            # fail_after's own scope without its generator wrapper (a third less per call), and
            # still an anyio scope, so the deadline respects the lane's shielded clean-up.
            with anyio.CancelScope(deadline=deadline) as scope:
                async with runtime.semaphore:
                    runtime.in_flight += 1
                    runtime.peak_in_flight = max(runtime.peak_in_flight, runtime.in_flight)
                    try:
                        result = await send(conn)
                    finally:
                        runtime.in_flight -= 1
            if scope.cancelled_caught:  # only its deadline cancels this scope
                raise TimeoutError
        except TimeoutError as exc:
            self._failed(runtime, "timeout")
            raise CallFailed(
                "timeout", f"{label or 'call'} timed out on {runtime.spec.name}"
            ) from exc
        except MCPError as exc:
            if exc.code == types.CONNECTION_CLOSED or exc.message in SESSION_GONE:
                self._failed(runtime, exc.message)
            raise
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError) as exc:
            self._failed(runtime, describe(exc))
            raise CallFailed("error", f"{runtime.spec.name}: connection lost") from exc
        runtime.health.observe(True, (time.perf_counter() - started) * 1000)
        return result

    def _failed(self, runtime: ServerRuntime, error: str) -> None:
        was_open = runtime.health.breaker.state == "open"
        runtime.health.observe(False, error=error)
        metrics.publish(runtime.spec.name, runtime.connection is not None, runtime.health)
        if not was_open and runtime.health.breaker.state == "open":
            self._spawn(self._notify, runtime)

    async def _await_new_connection(
        self, runtime: ServerRuntime, old: Connection | None, deadline: float
    ) -> None:
        with anyio.move_on_after(max(0.0, deadline - anyio.current_time())):
            while runtime.connection is None or runtime.connection is old:
                await anyio.sleep(0.02)

    def _get(self, server_id: int) -> ServerRuntime:
        runtime = self.runtimes.get(server_id)
        if runtime is None:
            raise CallFailed("unavailable", f"server {server_id} is not running")
        return runtime

    # -- health -----------------------------------------------------------------------------

    async def check(self, server_id: int) -> tuple[bool, float | None, str]:
        """Ping one server now (a half-open breaker lets this probe through)."""
        runtime = self._get(server_id)
        was_open = runtime.health.breaker.state == "open"
        conn = runtime.connection
        ok, latency, error = False, None, runtime.error or runtime.status
        if conn is not None and runtime.health.breaker.allows():
            started = time.perf_counter()
            try:
                with anyio.fail_after(min(10.0, runtime.spec.timeout_seconds)):
                    await _ping(conn)
                ok, latency, error = True, (time.perf_counter() - started) * 1000, ""
            except Exception as exc:
                error = "ping timed out" if isinstance(exc, TimeoutError) else describe(exc)
        if conn is not None:
            runtime.health.observe(ok, latency, error)
        metrics.publish(runtime.spec.name, conn is not None, runtime.health)
        if was_open != (runtime.health.breaker.state == "open"):
            await self._notify(runtime)
        for hook in list(self.on_health):
            await hook(runtime, ok, latency, error)
        return ok, latency, error

    async def check_all(self) -> None:
        async with anyio.create_task_group() as tg:
            for server_id in list(self.runtimes):
                tg.start_soon(self._check_quietly, server_id)

    async def _check_quietly(self, server_id: int) -> None:
        try:
            await self.check(server_id)
        except Exception as exc:  # one server's bad check must not stop the loop
            runtime = self.runtimes.get(server_id)
            if runtime is not None:
                runtime.tail.feed(f"[vibe] health check failed: {describe(exc)}")

    async def _health_loop(self) -> None:
        assert self.health_interval
        while True:
            await anyio.sleep(self.health_interval)
            await self.check_all()


async def _ping(conn: Connection) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ping is gone from 2026-07-28; our sessions are legacy
        await conn.client.send_ping()


async def _all_pages(fetch: Callable[..., Awaitable[Any]], attr: str) -> list[Any]:
    items: list[Any] = []
    cursor: str | None = None
    for _ in range(LIST_PAGES):
        page = await fetch(cursor=cursor)
        items.extend(getattr(page, attr))
        cursor = page.next_cursor
        if not cursor:
            break
    return items


async def first_of(*waits: Callable[[], Awaitable[Any]]) -> None:
    """Return as soon as any of the awaitables completes."""
    async with anyio.create_task_group() as tg:

        async def run(wait: Callable[[], Awaitable[Any]]) -> None:
            await wait()
            tg.cancel_scope.cancel()

        for wait in waits:
            tg.start_soon(run, wait)


def describe(exc: BaseException) -> str:
    """A one-line reason, digging through exception groups to the first real cause."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, MCPError):
        return exc.message
    text = str(exc) or type(exc).__name__
    return text[:500]


async def probe(spec: ServerSpec, timeout: float = 20.0) -> dict[str, Any]:
    """Connect once, list what the server offers and disconnect: the "test connection" button."""
    tail = StderrTail(secrets=spec.secret_values())
    started = time.perf_counter()

    async def ignore(_method: str) -> None:
        return None

    result: dict[str, Any] = {"ok": False, "tools": [], "error": "", "latency_ms": None}
    info: dict[str, Any] = {}
    try:
        with anyio.fail_after(timeout):
            async with connect(spec, tail, ignore, info) as conn:
                caps = conn.client.server_capabilities
                tools = await _all_pages(conn.client.list_tools, "tools") if caps.tools else []
                result.update(ok=True, tools=[t.name for t in tools])
                info = conn.client.server_info
                result["server_info"] = info.model_dump(exclude_none=True) if info else {}
    except TimeoutError:
        result["error"] = f"no answer within {timeout:g}s"
    except Exception as exc:
        result["error"] = describe(exc)
        if info.get("returncode") is not None:
            result["error"] = f"process exited with code {info['returncode']} ({result['error']})"
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    result["stderr_tail"] = list(tail.lines)[-TAIL_SHOWN:]
    return result
