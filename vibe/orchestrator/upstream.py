"""A lean lane for ``tools/call`` to streamable-HTTP upstreams, on the SDK client's own session.

Through the SDK client a call costs a task per POST, memory streams both ways, pydantic on the
request and the answer, and httpx writing headers and body in separate syscalls. This lane
writes one request in one piece on a kept-alive HTTP/1.1 connection and reads the answer
straight back as JSON. It only borrows the session: the SDK client still opens it (initialize),
keeps its GET stream, lists, pings and deletes it; the session id and negotiated protocol
version are read off that client's own requests (``SessionWatch``).

Its request ids are strings (``vibe-<n>``) and the SDK client's are integers, so the two never
collide on the upstream session, and concurrent calls never share a connection. What the SDK
client would do on the wire, this lane does too: the same headers, ``notifications/cancelled``
when a call is abandoned, 404 read as "Session terminated" (the supervisor re-initialises and
resends), JSON-RPC errors raised as ``MCPError``. A redirect or a connection that cannot be
opened means nothing was sent: the call goes the SDK's way instead (``NotForwarded``).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import ssl
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
import mcp_types as types
import pydantic_core
from mcp.shared.exceptions import MCPError

from vibe.orchestrator import tracing

SESSION_HEADER = "mcp-session-id"
VERSION_HEADER = "mcp-protocol-version"
MAX_IDLE = 32
CANCEL_DEADLINE = 1.0
DRAIN_SECONDS = 0.25
CONNECT_TIMEOUT = 30.0

Notified = Callable[[str], Awaitable[None]]


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings of every upstream connection (httpx's defaults), made once: making them
    loads the CA bundle, 25-70 ms here, which on the event loop held up every request in flight
    each time an HTTP upstream connected or reconnected."""
    import httpx2

    return httpx2.create_ssl_context()


async def shared_tls_context() -> ssl.SSLContext:
    """:func:`tls_context`, made in a worker thread the first time."""
    if tls_context.cache_info().currsize:
        return tls_context()
    return await anyio.to_thread.run_sync(tls_context)


class NotForwarded(Exception):
    """Nothing reached the upstream (redirect, no connection): send the call the SDK's way."""


@dataclass
class SessionWatch:
    """The upstream session as the SDK client's requests show it."""

    session_id: str | None = None
    protocol_version: str | None = None

    def saw(self, sent: Mapping[str, str], received: Mapping[str, str]) -> None:
        """Record the headers of one exchange of the SDK client's."""
        version = sent.get(VERSION_HEADER)
        if version:
            self.protocol_version = version
        session = received.get(SESSION_HEADER) or sent.get(SESSION_HEADER)
        if session:
            self.session_id = session


def _encode(message: dict[str, Any]) -> bytes:
    return pydantic_core.to_json(message)  # compact UTF-8, as the SDK client writes it


def lane_for(
    url: str, headers: dict[str, str], watch: SessionWatch, notified: Notified
) -> HttpLane | None:
    """A lane to ``url``, or None where httpx would do something this lane does not (a proxy
    from the environment, a header that cannot be written as is)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if urllib.request.getproxies_environment() and not urllib.request.proxy_bypass_environment(
        parts.hostname
    ):
        return None
    if any(_unsafe(k) or _unsafe(v) for k, v in headers.items()):
        return None
    return HttpLane(url, headers, watch, notified)


def _unsafe(text: str) -> bool:
    return any(c in text for c in "\r\n\0")


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def usable(self) -> bool:
        return not self.writer.is_closing() and not self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()


class HttpLane:
    """Kept-alive connections to one upstream endpoint, used one call at a time each."""

    def __init__(
        self, url: str, headers: dict[str, str], watch: SessionWatch, notified: Notified
    ) -> None:
        parts = urlsplit(url)
        self.watch = watch
        self.notified = notified
        self.disabled = False
        self.host = parts.hostname or ""
        self.tls = parts.scheme == "https"
        self.port = parts.port or (443 if self.tls else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        fixed = {
            "host": parts.netloc.rpartition("@")[2],
            **{k.lower(): v for k, v in headers.items()},
            "accept": "application/json, text/event-stream",
            "content-type": "application/json",
        }
        self._start = f"POST {target} HTTP/1.1\r\n"
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in fixed.items())
        self._idle: list[_Conn] = []
        self._ids = itertools.count(1)

    @property
    def ready(self) -> bool:
        """The SDK client finished the handshake, so the session is known."""
        return not self.disabled and self.watch.protocol_version is not None

    async def call_tool(
        self, name: str, arguments: dict[str, Any] | None, meta: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The ``tools/call`` result as the upstream wrote it; raises MCPError for an error."""
        request_id = f"vibe-{next(self._ids)}"
        params: dict[str, Any] = {"name": name, "arguments": arguments or {}}
        with tracing.client_call(name, request_id, meta) as out_meta:
            if out_meta:
                params["_meta"] = out_meta
            call = {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}
            body = _encode(call)
            try:
                answer = await self._exchange(body, request_id)
            except anyio.get_cancelled_exc_class():
                with anyio.CancelScope(shield=True), anyio.move_on_after(CANCEL_DEADLINE):
                    await self._cancel_upstream(request_id)
                raise
        error = answer.get("error")
        if isinstance(error, dict):
            raise MCPError.from_error_data(types.ErrorData.model_validate(error))
        result = answer.get("result")
        if not isinstance(result, dict):
            raise MCPError(types.INTERNAL_ERROR, "upstream answered without a result")
        return result

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    # -- one exchange ---------------------------------------------------------------------------

    def _head(self, length: int) -> bytes:
        watch = self.watch
        session = f"{SESSION_HEADER}: {watch.session_id}\r\n" if watch.session_id else ""
        version = f"{VERSION_HEADER}: {watch.protocol_version}\r\n"
        return (
            f"{self._start}{self._fixed}{session}{version}content-length: {length}\r\n\r\n"
        ).encode("latin-1")

    async def _exchange(self, body: bytes, request_id: str) -> dict[str, Any]:
        for attempt in (1, 2):
            conn, reused = await self._acquire()
            keep = False
            try:
                conn.writer.write(self._head(len(body)) + body)
                try:
                    status, headers = await _read_head(conn.reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    if reused and attempt == 1:
                        continue  # a kept-alive connection the server had closed: never read
                    raise
                answer, keep = await self._answer(conn, status, headers, request_id)
                return answer
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                raise OSError(f"the server broke off its answer: {exc}") from exc
            except ValueError as exc:  # as the SDK client reports an unreadable answer
                raise MCPError(types.PARSE_ERROR, f"Failed to parse JSON response: {exc}") from exc
            finally:
                if keep and len(self._idle) < MAX_IDLE:
                    self._idle.append(conn)
                else:
                    conn.close()
        raise OSError("the server closed the connection")

    async def _acquire(self) -> tuple[_Conn, bool]:
        while self._idle:
            conn = self._idle.pop()
            if conn.usable():
                return conn, True
            conn.close()
        try:
            with anyio.fail_after(CONNECT_TIMEOUT):
                reader, writer = await asyncio.open_connection(
                    self.host,
                    self.port,
                    ssl=await shared_tls_context() if self.tls else None,
                    server_hostname=self.host if self.tls else None,
                )
        except ssl.SSLError as exc:
            self.disabled = True  # httpx may trust what we do not: leave TLS to it
            raise NotForwarded(str(exc)) from exc
        except (OSError, TimeoutError) as exc:
            raise NotForwarded(str(exc)) from exc
        return _Conn(reader, writer), False

    async def _answer(
        self, conn: _Conn, status: int, headers: dict[str, str], request_id: str
    ) -> tuple[dict[str, Any], bool]:
        keep = headers.get("connection", "").lower() != "close"
        content_type = headers.get("content-type", "").lower()
        if status == 200 and content_type.startswith("text/event-stream"):
            return await self._from_events(conn, headers, request_id, keep)
        body, complete = await _read_body(conn.reader, headers)
        keep = keep and complete
        if status == 200 and content_type.startswith("application/json"):
            answer = pydantic_core.from_json(body)
            if not isinstance(answer, dict):
                raise ValueError("not a JSON-RPC response")
            return answer, keep
        if 300 <= status < 400:
            self.disabled = True  # the SDK client knows which redirects to follow
            raise NotForwarded(f"redirected ({status})")
        raise _status_error(status, content_type, body, self.watch.session_id is not None)

    async def _from_events(
        self, conn: _Conn, headers: dict[str, str], request_id: str, keep: bool
    ) -> tuple[dict[str, Any], bool]:
        stream = _body_chunks(conn.reader, headers)
        answer: dict[str, Any] | None = None
        async for data in _sse_data(stream):
            message = pydantic_core.from_json(data)
            if not isinstance(message, dict):
                continue
            if message.get("id") == request_id and ("result" in message or "error" in message):
                answer = message
                break
            await self._from_server(message)
        if answer is None:
            raise MCPError(types.CONNECTION_CLOSED, "SSE stream ended without a response")
        with anyio.move_on_after(DRAIN_SECONDS) as drain:
            async for _rest in stream:
                pass
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        return answer, keep and chunked and not drain.cancelled_caught

    async def _from_server(self, message: dict[str, Any]) -> None:
        """A notification or request the upstream sent on the call's stream, handled as the SDK
        client would: list changes reach the supervisor, requests get the default answer."""
        method = message.get("method")
        if not isinstance(method, str):
            return
        if "id" not in message:
            await self.notified(method)
            return
        reply: dict[str, Any] = {"jsonrpc": "2.0", "id": message["id"]}
        if method == "ping":
            reply["result"] = {}
        else:
            reply["error"] = {"code": types.INVALID_REQUEST, "message": f"{method} not supported"}
        await self._post(reply)

    async def _cancel_upstream(self, request_id: str) -> None:
        note = {"requestId": request_id, "reason": "the caller abandoned the call"}
        await self._post({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": note})

    async def _post(self, message: dict[str, Any]) -> None:
        """Send a message that expects no answer (202) on a connection of its own."""
        body = _encode(message)
        try:
            conn, _reused = await self._acquire()
        except NotForwarded:
            return
        keep = False
        try:
            conn.writer.write(self._head(len(body)) + body)
            _status, headers = await _read_head(conn.reader)
            _body, keep = await _read_body(conn.reader, headers)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            if keep and len(self._idle) < MAX_IDLE:
                self._idle.append(conn)
            else:
                conn.close()


def _status_error(status: int, content_type: str, body: bytes, has_session: bool) -> MCPError:
    """The error the SDK client reports for a non-200 answer to a request."""
    if status == 202:
        return MCPError(types.INVALID_REQUEST, "server answered a request with 202 Accepted")
    if status >= 400 and content_type.startswith("application/json"):
        try:
            error = pydantic_core.from_json(body).get("error")
            return MCPError.from_error_data(types.ErrorData.model_validate(error))
        except (ValueError, AttributeError, TypeError):
            pass
    if status == 404:
        if has_session:
            return MCPError(types.INVALID_REQUEST, "Session terminated")
        return MCPError(types.METHOD_NOT_FOUND, "Not Found")
    if status >= 400:
        return MCPError(types.INTERNAL_ERROR, "Server returned an error response")
    return MCPError(types.INVALID_REQUEST, f"Unexpected content type: {content_type}")


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    raw = await reader.readuntil(b"\r\n\r\n")
    lines = raw.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    if not version.startswith("HTTP/1."):
        raise ValueError(f"not an HTTP/1.x answer: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    status = int(rest.partition(" ")[0])
    if 100 <= status < 200:  # an interim answer: the real one follows
        return await _read_head(reader)
    return status, headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> tuple[bytes, bool]:
    """The whole body, and whether the connection can carry another request after it."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return b"".join([chunk async for chunk in _chunks(reader)]), True
    length = headers.get("content-length")
    if length is not None:
        return await reader.readexactly(int(length)), True
    return await reader.read(), False


def _body_chunks(reader: asyncio.StreamReader, headers: dict[str, str]) -> AsyncIterator[bytes]:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return _chunks(reader)
    return _until_eof(reader)


async def _chunks(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while True:
        line = await reader.readuntil(b"\r\n")
        size = int(line.split(b";", 1)[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers
            return
        data = await reader.readexactly(size + 2)
        yield data[:-2]


async def _until_eof(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while chunk := await reader.read(65536):
        yield chunk


async def _sse_data(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """The data of each ``message`` event in an SSE body (priming events skipped)."""
    buffer = ""
    async for chunk in chunks:
        buffer += chunk.decode()
        buffer = buffer.replace("\r\n", "\n")
        while "\n\n" in buffer:
            event, buffer = buffer.split("\n\n", 1)
            kind, data = "message", []
            for line in event.split("\n"):
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "event":
                    kind = value
                elif field == "data":
                    data.append(value)
            if kind == "message" and data and any(data):
                yield "\n".join(data)
