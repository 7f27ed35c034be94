"""Child processes started off the event loop, their pipes attached to it as anyio streams.

The serving loop is uvloop's, which starts a child with fork() on the loop's own thread: the
kernel copies the page tables of the whole server first, which took 16-24 ms for a 600 MB
process here and grows with it, and every request in flight waits. ``subprocess.Popen`` starts
it with vfork() instead; run in a worker thread, it left the loop under 1 ms of lag. That
matters beyond start-up: stdio servers restart after crashes and "test connection" starts one
on demand, for any user.
"""

from __future__ import annotations

import asyncio
import functools
import subprocess
from dataclasses import dataclass

import anyio
import anyio.abc
import anyio.lowlevel

READ_CHUNK = 65536


class PipeReceiveStream(anyio.abc.ByteReceiveStream):
    """The read end of a child's pipe."""

    def __init__(self, reader: asyncio.StreamReader, transport: asyncio.BaseTransport) -> None:
        self._reader = reader
        self._transport = transport
        self._closed = False

    async def receive(self, max_bytes: int = READ_CHUNK) -> bytes:
        if self._closed:
            raise anyio.ClosedResourceError
        data = await self._reader.read(max_bytes)
        if not data:
            raise anyio.EndOfStream
        return data

    async def aclose(self) -> None:
        self._closed = True
        self._transport.close()


class PipeSendStream(anyio.abc.ByteSendStream):
    """The write end of a child's pipe; a child that closed it is a broken resource."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._closed = False

    async def send(self, item: bytes) -> None:
        if self._closed:
            raise anyio.ClosedResourceError
        if self._writer.is_closing():  # the child closed its end
            raise anyio.BrokenResourceError
        self._writer.write(item)
        try:
            await self._writer.drain()
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise anyio.BrokenResourceError from exc

    async def aclose(self) -> None:
        """Close without waiting for what is still buffered to be written: a child that stopped
        reading would never take it, and the stop that follows this close would wait forever."""
        self._closed = True
        self._writer.close()
        await anyio.lowlevel.checkpoint()


@dataclass
class Child:
    """A started child: what the stdio transport and the SDK's tree kill use of a process."""

    popen: subprocess.Popen[bytes]
    stdin: PipeSendStream
    stdout: PipeReceiveStream
    stderr: PipeReceiveStream

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        """None while it runs; reading it reaps an exited child (so no zombie stays)."""
        return self.popen.poll()


async def start(
    command: list[str], *, env: dict[str, str], cwd: str | None, new_session: bool = True
) -> Child:
    """Start ``command`` with its three standard streams piped, in its own session (so a
    process-group kill reaches every descendant). Raises what ``Popen`` raises."""
    popen = await anyio.to_thread.run_sync(
        functools.partial(
            subprocess.Popen,
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=new_session,
            bufsize=0,
        )
    )
    try:
        return await _attach(popen)
    except BaseException:
        popen.kill()
        popen.wait()
        raise


async def _attach(popen: subprocess.Popen[bytes]) -> Child:
    assert popen.stdin is not None and popen.stdout is not None and popen.stderr is not None
    loop = asyncio.get_running_loop()
    stdout = await _reader(loop, popen.stdout)
    stderr = await _reader(loop, popen.stderr)
    # StreamWriter needs a protocol with flow control (for drain) and the close waiter it may
    # ask for; a reader's protocol is the public one with both (FlowControlMixin lacks the waiter)
    transport, protocol = await loop.connect_write_pipe(
        lambda: asyncio.StreamReaderProtocol(asyncio.StreamReader(loop=loop), loop=loop),
        popen.stdin,
    )
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    return Child(popen, PipeSendStream(writer), stdout, stderr)


async def _reader(loop: asyncio.AbstractEventLoop, pipe: object) -> PipeReceiveStream:
    reader = asyncio.StreamReader(limit=READ_CHUNK, loop=loop)
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader, loop=loop), pipe
    )
    return PipeReceiveStream(reader, transport)
