"""The aggregated MCP server: every healthy upstream's tools, prompts and resources, namespaced.

Served over streamable HTTP at ``/mcp`` (and legacy SSE at ``/mcp/sse``) with Vibe API tokens as
bearer credentials, and over stdio by ``vibe mcp serve --stdio``. It advertises ``listChanged``
for tools, prompts and resources and forwards upstream ``list_changed`` notifications (and
breaker changes, which add or remove tools) to every connected client.

Plain tool calls on an open session take a fast path (fastpath.py), reached by an outermost
ASGI layer (McpFront) before the app's middleware; calls to streamable-HTTP upstreams go
through a lean lane on the SDK client's session (upstream.py). Everything else is the SDK's.

The runtime (supervisor + HTTP session manager) starts on the first request and lives in its
own task on the serving event loop, because the Reflex app that mounts our API does not run the
API's lifespan; the API's lifespan, when it does run (tests, plain uvicorn), stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import weakref
from collections.abc import AsyncIterator
from typing import Any

import anyio
import mcp_types as types
from fastapi import FastAPI
from mcp.server import NotificationOptions, Server, ServerRequestContext
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.lowlevel.server import InitializationOptions
from mcp.server.sse import SseServerTransport
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import PromptsListChanged, ResourcesListChanged, ToolsListChanged
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from vibe import __version__
from vibe.core.errors import VibeError
from vibe.core.web import RequestContextMiddleware
from vibe.orchestrator import router
from vibe.orchestrator.fastpath import FastPath
from vibe.orchestrator.service import Orchestrator, Principal, new_supervisor, principal_for_token
from vibe.orchestrator.supervisor import CallFailed

log = logging.getLogger("vibe.mcp.gateway")

PRINCIPAL_KEY = "vibe.principal"
MCP_PATHS = ("/mcp", "/mcp/")
SEEN_KEY = "vibe.mcp_front"  # scope key: a front has already decided this request
NOTIFY_DEADLINE = 2.0
# Answers to POSTs as plain JSON bodies instead of one SSE stream each: cheaper on both ends, and
# the connection goes back to the client's pool. Nothing is lost: the gateway sends no requests
# or progress to clients during a call, and list_changed still goes out on the session's GET
# stream (sessions stay stateful for that reason; stateless mode would drop those).
JSON_RESPONSE = True
# Plain tool calls on an open session skip the SDK's server machinery (see fastpath.py);
# it answers in JSON, so it needs JSON_RESPONSE.
FAST_PATH = True


class GatewayServer(Server[Any]):
    """A low-level server that always advertises list-changed notifications."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        everything = NotificationOptions(
            prompts_changed=True, resources_changed=True, tools_changed=True
        )
        return super().create_initialization_options(
            everything, experimental_capabilities, extensions
        )


class Gateway:
    """The MCP-side handlers over an Orchestrator."""

    def __init__(self, orchestrator: Orchestrator, default: Principal | None = None) -> None:
        self.orch = orchestrator
        self.default = default
        self.bus = InMemorySubscriptionBus()
        self._connections: weakref.WeakSet[Any] = weakref.WeakSet()
        self.server = GatewayServer(
            "vibe",
            version=__version__,
            instructions="Tools of the MCP servers configured in Vibe, named <server>__<tool>.",
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_list_prompts=self._list_prompts,
            on_get_prompt=self._get_prompt,
            on_list_resources=self._list_resources,
            on_read_resource=self._read_resource,
            on_subscriptions_listen=ListenHandler(self.bus),
        )
        orchestrator.listeners.append(self.announce_changes)

    def _principal(self, ctx: ServerRequestContext[Any, Any]) -> Principal:
        connection = getattr(
            ctx.session, "_connection", None
        )  # per client; sessions are per request
        if connection is not None:
            self._connections.add(connection)
        request = ctx.request
        principal = getattr(request, "scope", {}).get(PRINCIPAL_KEY) if request else None
        principal = principal or self.default
        if principal is None:
            raise MCPError(types.INVALID_REQUEST, "not authenticated")
        return principal

    async def _list_tools(self, ctx: Any, _params: Any) -> types.ListToolsResult:
        catalog = await self.orch.catalog(self._principal(ctx).user_id)
        return types.ListToolsResult(tools=[e.public for _, e in sorted(catalog.entries.items())])

    async def _call_tool(
        self, ctx: Any, params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        return await self.orch.call_tool(self._principal(ctx), params.name, params.arguments)

    async def _list_prompts(self, ctx: Any, _params: Any) -> types.ListPromptsResult:
        catalog = await self.orch.catalog(self._principal(ctx).user_id)
        prompts = [
            types.Prompt(
                name=name,
                title=prompt.title,
                description=f"[{runtime.spec.name}] {prompt.description or ''}".strip(),
                arguments=prompt.arguments,
            )
            for name, (runtime, prompt) in sorted(catalog.prompts.items())
        ]
        return types.ListPromptsResult(prompts=prompts)

    async def _get_prompt(self, ctx: Any, params: types.GetPromptRequestParams) -> Any:
        try:
            return await self.orch.get_prompt(self._principal(ctx), params.name, params.arguments)
        except (VibeError, CallFailed) as exc:
            raise MCPError(types.INVALID_PARAMS, exc.message) from exc

    async def _list_resources(self, ctx: Any, _params: Any) -> types.ListResourcesResult:
        catalog = await self.orch.catalog(self._principal(ctx).user_id)
        resources = [
            resource.model_copy(
                update={"uri": uri, "name": router.namespaced(runtime.spec.name, resource.name)}
            )
            for uri, (runtime, resource) in sorted(catalog.resources.items())
        ]
        return types.ListResourcesResult(resources=resources)

    async def _read_resource(self, ctx: Any, params: types.ReadResourceRequestParams) -> Any:
        uri = str(params.uri)
        try:
            result = await self.orch.read_resource(self._principal(ctx), uri)
        except (VibeError, CallFailed) as exc:
            raise MCPError(types.INVALID_PARAMS, exc.message) from exc
        contents = [c.model_copy(update={"uri": uri}) for c in result.contents]
        return types.ReadResourceResult(contents=contents)

    async def announce_changes(self) -> None:
        """Tell every connected client that the lists may have changed."""
        for event in (ToolsListChanged(), PromptsListChanged(), ResourcesListChanged()):
            await self.bus.publish(event)
        for connection in list(self._connections):
            with anyio.move_on_after(NOTIFY_DEADLINE), contextlib.suppress(Exception):
                await connection.send_tool_list_changed()
                await connection.send_prompt_list_changed()
                await connection.send_resource_list_changed()


class GatewayRuntime:
    """Supervisor, orchestrator and HTTP session manager, started on first use."""

    def __init__(self) -> None:
        self.orch: Orchestrator | None = None
        self.gateway: Gateway | None = None
        self.manager: StreamableHTTPSessionManager | None = None
        self.fast: FastPath | None = None
        self.sse = SseServerTransport("/mcp/messages/")
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._lock = asyncio.Lock()

    async def ensure_running(self) -> Orchestrator:
        if self.orch is not None and self._task is not None and not self._task.done():
            return self.orch  # every request asks: the common answer costs no future
        async with self._lock:
            if self._task is None:
                self._task = asyncio.get_running_loop().create_task(self._main())
        waiter = asyncio.ensure_future(self._ready.wait())
        await asyncio.wait({waiter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if self.orch is None:
            if self._task.done() and self._task.exception():
                raise self._task.exception()  # type: ignore[misc]
            raise RuntimeError("the MCP gateway did not start")
        return self.orch

    async def _main(self) -> None:
        async with new_supervisor() as sup:
            orch = Orchestrator(sup)
            self.gateway = Gateway(orch)
            self.manager = StreamableHTTPSessionManager(
                app=self.gateway.server, json_response=JSON_RESPONSE
            )
            async with self.manager.run():
                await orch.reload()
                self.fast = FastPath(self.manager, orch) if FAST_PATH and JSON_RESPONSE else None
                self.orch = orch
                self._ready.set()
                try:
                    await self._stop.wait()
                finally:
                    with anyio.CancelScope(shield=True):
                        await orch.flush_audit()

    async def shutdown(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task


class AuthenticatedMcp:
    """ASGI front: bearer API token → principal, then the MCP transport."""

    def __init__(self, runtime: GatewayRuntime, kind: str) -> None:
        self.runtime = runtime
        self.kind = kind  # "http" | "sse" | "messages"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = bearer_token(scope)
        if not token:
            await _unauthorized("send 'Authorization: Bearer <Vibe API token>'")(
                scope, receive, send
            )
            return
        orch = await self.runtime.ensure_running()
        try:
            principal = await orch.authenticate(token)
        except VibeError as exc:
            await _unauthorized(exc.message)(scope, receive, send)
            return
        bind(scope, principal)
        await self._dispatch(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = self.runtime
        assert runtime.manager is not None and runtime.gateway is not None
        if self.kind == "http":
            if runtime.fast is not None:
                fallback = await runtime.fast.handle(scope, receive, send, scope[PRINCIPAL_KEY])
                if fallback is None:
                    return
                receive = fallback
            await runtime.manager.handle_request(scope, receive, send)
        elif self.kind == "messages":
            await runtime.sse.handle_post_message(scope, receive, send)
        else:
            server = runtime.gateway.server
            async with runtime.sse.connect_sse(scope, receive, send) as (read, write):
                await server.run(read, write, server.create_initialization_options())


class McpFront:
    """The outermost ASGI layer. A POST to /mcp on a session the fast path may serve skips the
    app's middleware (sessions, cookies, exception pages: none of them an MCP client's business)
    but keeps its request id, metrics and log line; every other request passes through."""

    def __init__(
        self,
        app: ASGIApp,
        runtime: GatewayRuntime,
        routes: dict[str, Route],
        *,
        outermost: bool = False,
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.routes = routes
        self.outermost = outermost
        self.traced = RequestContextMiddleware(AuthenticatedMcp(runtime, "http")._dispatch)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get(scope["path"]) if scope["type"] == "http" else None
        if route is not None and scope["method"] == "POST" and self._first_look(scope):
            if not await self._servable(scope):
                await self.app(scope, receive, send)
                return
            scope["route"] = route  # the request metrics' label, as the router would set it
            await self.traced(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _first_look(self, scope: Scope) -> bool:
        """Whether this front decides the request. A front put around a host app (Reflex's, in
        production) leaves a browser's cross-origin request to the host's CORS layer and the
        API's own front; whichever front looks first marks the request so the other one does not
        authenticate it again."""
        if SEEN_KEY in scope:
            return False
        if self.outermost and any(key == b"origin" for key, _ in scope["headers"]):
            return False
        scope[SEEN_KEY] = True
        return True

    async def _servable(self, scope: Scope) -> bool:
        orch, fast, token = self.runtime.orch, self.runtime.fast, bearer_token(scope)
        if orch is None or fast is None or not token:
            return False
        try:
            bind(scope, await orch.authenticate(token))
        except VibeError:
            return False  # the route answers 401
        return fast.session_of(scope) is not None


def outermost(app: ASGIApp, api: FastAPI) -> ASGIApp:
    """``app`` (the host app that mounts ``api``) with the gateway's fast path in front of it,
    so MCP calls skip the host's middleware as they skip the API's. The host must stop the
    gateway (``api.state.mcp.shutdown()``) in its own lifespan: a mounted app's is not run."""
    return McpFront(app, api.state.mcp, api.state.mcp_routes, outermost=True)


def bearer_token(scope: Scope) -> str:
    """The bearer token of the request ("" when there is none)."""
    for key, value in scope["headers"]:
        if key == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else ""
    return ""


def bind(scope: Scope, principal: Principal) -> None:
    """Mark the request as the principal's, for our handlers and for the SDK's session owner."""
    scope[PRINCIPAL_KEY] = principal
    scope["user"] = _user(principal)


@functools.lru_cache(maxsize=1024)
def _user(principal: Principal) -> AuthenticatedUser:
    """The SDK's view of a principal; immutable, so built once rather than on every request."""
    return AuthenticatedUser(
        AccessToken(
            token="",
            client_id=f"vibe-token-{principal.token_id}",
            scopes=sorted(principal.scopes),
            subject=str(principal.user_id),
        )
    )


def _unauthorized(message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": "unauthorized", "message": message}},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="vibe"'},
    )


def install(app: FastAPI) -> GatewayRuntime:
    """Serve the gateway at /mcp (and /mcp/sse) on ``app`` and stop it with the app."""
    runtime = GatewayRuntime()
    app.state.mcp = runtime
    # First in the list: the router tries routes in order, and every MCP call would otherwise
    # be matched against each API route before reaching these.
    http = {path: Route(path, endpoint=AuthenticatedMcp(runtime, "http")) for path in MCP_PATHS}
    app.router.routes[0:0] = [
        *http.values(),
        Route("/mcp/sse", endpoint=AuthenticatedMcp(runtime, "sse")),
        Mount("/mcp/messages", app=AuthenticatedMcp(runtime, "messages")),
    ]
    app.state.mcp_routes = http
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: McpFront(build_stack(), runtime, http)  # type: ignore[method-assign]
    original = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(asgi: Any) -> AsyncIterator[Any]:
        async with original(asgi) as state:
            try:
                yield state
            finally:
                await runtime.shutdown()

    app.router.lifespan_context = lifespan
    return runtime


async def serve_stdio(token: str) -> None:
    """Run the gateway over this process's stdin/stdout, acting as the token's user."""
    from mcp.server.stdio import stdio_server

    principal = await anyio.to_thread.run_sync(principal_for_token, token)
    async with new_supervisor() as sup, anyio.create_task_group() as tg:
        tg.start_soon(_cancel_on_signal, tg.cancel_scope)
        orch = Orchestrator(sup)
        gateway = Gateway(orch, default=principal)
        await orch.reload()
        try:
            async with stdio_server() as (read, write):
                init = gateway.server.create_initialization_options()
                await gateway.server.run(read, write, init)
        finally:
            with anyio.CancelScope(shield=True):
                await orch.flush_audit()
        tg.cancel_scope.cancel()


async def _cancel_on_signal(scope: anyio.CancelScope) -> None:
    """SIGTERM/SIGINT end the gateway cleanly, so the supervisor kills every child it started."""
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for _signal in signals:
            scope.cancel()
            return
