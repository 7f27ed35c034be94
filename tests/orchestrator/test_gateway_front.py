"""The gateway's front put around a host app (Reflex's, in production): MCP calls it may serve
skip the host's middleware, a browser's cross-origin calls keep the host's CORS layer, and
whichever front looks first is the only one that authenticates the request."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import anyio
from starlette.routing import Route

from vibe.orchestrator import gateway
from vibe.orchestrator.service import Principal


class FakeRuntime:
    """Just what the front reads: an orchestrator that authenticates, a fast path that knows
    every session."""

    def __init__(self) -> None:
        self.authenticated = 0
        self.orch = SimpleNamespace(authenticate=self._authenticate)
        self.fast = SimpleNamespace(session_of=lambda scope: ("s", None, "v"))

    async def _authenticate(self, token: str) -> Principal:
        self.authenticated += 1
        return Principal(user_id=1, token_id=1)


class Recorder:
    """An ASGI app that only notes that it was called."""

    def __init__(self, name: str, log: list[str], inner: Any = None) -> None:
        self.name, self.log, self.inner = name, log, inner

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.log.append(self.name)
        if self.inner is not None:
            await self.inner(scope, receive, send)


def _stack() -> tuple[Any, FakeRuntime, list[str]]:
    """outer front → host middleware → inner front (the API's) → the API's routes."""
    log: list[str] = []
    runtime = FakeRuntime()
    routes = {path: Route(path, endpoint=Recorder("route", log)) for path in gateway.MCP_PATHS}
    inner = gateway.McpFront(Recorder("api", log), runtime, routes)  # type: ignore[arg-type]
    inner.traced = Recorder("inner fast path", log)  # type: ignore[assignment]
    host = Recorder("host", log, inner)
    api = SimpleNamespace(state=SimpleNamespace(mcp=runtime, mcp_routes=routes))
    outer = gateway.outermost(host, api)  # type: ignore[arg-type]
    outer.traced = Recorder("outer fast path", log)  # type: ignore[attr-defined]
    return outer, runtime, log


def _request(app: Any, method: str = "POST", path: str = "/mcp", **headers: str) -> None:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        pass

    anyio.run(app, scope, receive, send)


def test_a_call_the_fast_path_may_serve_skips_the_host():
    app, runtime, log = _stack()
    _request(app, Authorization="Bearer t")
    assert log == ["outer fast path"]
    assert runtime.authenticated == 1


def test_a_cross_origin_call_goes_through_the_host_to_the_apis_front():
    app, runtime, log = _stack()
    _request(app, Authorization="Bearer t", Origin="https://elsewhere.example")
    assert log == ["host", "inner fast path"]
    assert runtime.authenticated == 1


def test_a_call_the_front_declines_is_not_authenticated_twice():
    app, runtime, log = _stack()
    runtime.fast = SimpleNamespace(session_of=lambda scope: None)  # e.g. opening a session
    _request(app, Authorization="Bearer t")
    assert log == ["host", "api"]
    assert runtime.authenticated == 1


def test_other_requests_pass_through_untouched():
    app, runtime, log = _stack()
    _request(app, method="GET", Authorization="Bearer t")
    _request(app, path="/api/v1/projects", Authorization="Bearer t")
    assert log == ["host", "api", "host", "api"]
    assert runtime.authenticated == 0
