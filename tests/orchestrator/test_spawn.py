"""Children started off the loop: the pipes behave as anyio streams on both event loops the app
runs on (uvloop serving, asyncio in tests and the CLI), and the process is created in a worker
thread, never on the loop's own thread."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from typing import Any

import anyio
import pytest

from vibe.orchestrator import spawn

LOOPS = [
    pytest.param({}, id="asyncio"),
    pytest.param({"use_uvloop": True}, id="uvloop"),
]
CAT = [sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.read().upper())"]


def run(main: Any, options: dict[str, Any]) -> None:
    anyio.run(main, backend="asyncio", backend_options=options)


async def read_all(stream: spawn.PipeReceiveStream) -> bytes:
    chunks = []
    try:
        while True:
            chunks.append(await stream.receive())
    except anyio.EndOfStream:
        return b"".join(chunks)


async def exited(child: spawn.Child) -> int:
    with anyio.fail_after(10):
        while child.returncode is None:
            await anyio.sleep(0.01)
    return child.returncode


@pytest.mark.parametrize("options", LOOPS)
def test_a_child_is_started_in_a_worker_thread_and_speaks_over_its_pipes(options, monkeypatch):
    started_on: list[int] = []
    real = subprocess.Popen

    def recording(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        started_on.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", recording)

    async def main() -> None:
        child = await spawn.start(CAT, env=dict(os.environ), cwd=None)
        assert started_on and threading.get_ident() not in started_on
        assert os.getpgid(child.pid) == child.pid  # its own group, for the tree kill
        await child.stdin.send(b"hello ")
        await child.stdin.send(b"pipes")
        await child.stdin.aclose()
        assert await read_all(child.stdout) == b"HELLO PIPES"
        assert await read_all(child.stderr) == b""
        assert await exited(child) == 0

    run(main, options)


@pytest.mark.parametrize("options", LOOPS)
def test_writing_to_a_child_that_is_gone_is_a_broken_resource(options):
    async def main() -> None:
        child = await spawn.start(
            [sys.executable, "-c", "import sys; sys.stderr.write('bye')"],
            env=dict(os.environ),
            cwd=None,
        )
        assert await read_all(child.stderr) == b"bye"
        assert await exited(child) == 0
        with pytest.raises(anyio.BrokenResourceError):
            for _ in range(64):  # the first writes may still land in the pipe's buffer
                await child.stdin.send(b"x" * 65536)
        await child.stdin.aclose()
        with pytest.raises(anyio.ClosedResourceError):
            await child.stdin.send(b"late")
        await child.stdout.aclose()
        with pytest.raises(anyio.ClosedResourceError):
            await child.stdout.receive()

    run(main, options)


@pytest.mark.parametrize("options", LOOPS)
def test_closing_stdin_does_not_wait_for_a_child_that_stopped_reading(options):
    async def main() -> None:
        child = await spawn.start(["sleep", "3600"], env=dict(os.environ), cwd=None)
        try:
            with anyio.move_on_after(0.5):  # far more than the pipe holds: the send blocks
                await child.stdin.send(b"x" * (4 << 20))
            with anyio.fail_after(5):
                await child.stdin.aclose()
        finally:
            os.killpg(child.pid, signal.SIGKILL)
            assert await exited(child) == -signal.SIGKILL

    run(main, options)


def test_a_command_that_cannot_start_raises_what_popen_raises(tmp_path):
    async def main() -> None:
        with pytest.raises(FileNotFoundError):
            await spawn.start(["/no/such/command"], env={}, cwd=None)
        with pytest.raises(FileNotFoundError) as missing:
            await spawn.start(["true"], env=dict(os.environ), cwd=str(tmp_path / "gone"))
        assert missing.value.filename == str(tmp_path / "gone")

    run(main, {})
