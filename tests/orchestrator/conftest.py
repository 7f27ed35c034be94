"""Fixtures for the orchestrator: the echo MCP server as a real child, and the real API served
by uvicorn on an ephemeral loopback port so that real MCP clients can reach /mcp."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from vibe.core.config import get_settings

ECHO = str(Path(__file__).resolve().parents[1] / "standins" / "mcp_echo.py")


def echo_command() -> tuple[str, list[str]]:
    return sys.executable, [ECHO]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, deadline: float = 20.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class HttpEcho:
    """The echo server over streamable HTTP in a child process; restartable on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, ECHO, "--http", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def http_echo() -> Iterator[HttpEcho]:
    server = HttpEcho()
    server.start()
    yield server
    server.stop()


class LiveApi:
    def __init__(self, base: str, server: object) -> None:
        self.base = base
        self.server = server


@pytest.fixture
def live_api(db: str) -> Iterator[LiveApi]:
    """The real API app (with the gateway) served by uvicorn on 127.0.0.1:<ephemeral>."""
    import uvicorn

    from vibe.api import create_api

    port = free_port()
    config = uvicorn.Config(
        create_api(), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > end or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    yield LiveApi(f"http://127.0.0.1:{port}", server)
    server.should_exit = True
    thread.join(timeout=30)
    assert not thread.is_alive(), "uvicorn did not stop"


@pytest.fixture
def admin(make_user):
    """The first account, which administers the instance."""
    user = make_user("root")
    assert user.is_admin
    return user


@pytest.fixture
def token_for(session):
    from vibe.auth import service

    def _token(user, scopes: list[str] | None = None) -> str:
        _row, clear = service.create_api_token(user, "mcp", session=session, scopes=scopes)
        session.commit()
        return clear

    return _token


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):  # gone before the open, or before the read
        return False
    return state != "Z"


def wait_until(predicate, deadline: float = 10.0, what: str = "condition") -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def add_server(base: str, token: str, **body: Any) -> dict[str, Any]:
    """Register a server through the REST API of a live app, as a client would."""
    response = httpx.post(
        f"{base}/api/v1/mcp/servers",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def private_urls(monkeypatch):
    """Upstreams on loopback (the stand-ins) allowed, as an admin setting would."""
    monkeypatch.setenv("VIBE_MCP_ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
