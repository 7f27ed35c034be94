"""The Reflex app: the API mounted in front, then every feature's pages."""

import asyncio
import contextlib

import reflex as rx
from starlette.types import ASGIApp

from vibe.api import create_api
from vibe.core.config import get_settings
from vibe.core.logging import setup_logging
from vibe.orchestrator import gateway
from vibe.orchestrator.builtin import preconfigure_at_start
from vibe.ui import asset_front

setup_logging(get_settings().log_level, get_settings().log_json)

_api = create_api()


class _App(rx.App):
    """Reflex's app, with the MCP gateway's fast path in front of Reflex's own middleware (its
    error pages, CORS, state contexts: none of them an MCP client's business), and the built
    frontend's hashed files served from memory (see `vibe.ui.asset_front`)."""

    def __call__(self) -> ASGIApp:
        return gateway.outermost(asset_front.around(super().__call__()), _api)


# `dir` is stated, not left to be computed: the toaster (sonner) otherwise reads the page's
# direction with getComputedStyle while it renders, a forced style recalculation of the whole
# document (and Radix's stylesheet) on every page's first render.
app = _App(api_transformer=_api, html_lang="en", html_custom_attrs={"dir": "ltr"})


@contextlib.asynccontextmanager
async def mcp_gateway():
    """Stop the gateway with the app: Reflex mounts the API, and a mounted app's lifespan (which
    would stop it) is never run."""
    try:
        yield
    finally:
        await _api.state.mcp.shutdown()


@contextlib.asynccontextmanager
async def embedded_jobs():
    """Without Redis, jobs run inside this process: start the runner with the app, not lazily,
    so jobs a previous process left queued or running are picked up or reaped at once."""
    if get_settings().redis_url:
        yield
        return
    from jobs import embedded

    await asyncio.to_thread(embedded.start)
    try:
        yield
    finally:
        await asyncio.to_thread(embedded.shutdown, False)


app.register_lifespan_task(embedded_jobs)
app.register_lifespan_task(preconfigure_at_start)
app.register_lifespan_task(mcp_gateway)

from vibe.assistant import pages as _assistant_pages  # noqa: E402,F401  (registers pages)
from vibe.auth import pages as _auth_pages  # noqa: E402,F401
from vibe.editor import pages as _editor_pages  # noqa: E402,F401
from vibe.graph import pages as _graph_pages  # noqa: E402,F401
from vibe.orchestrator import pages as _mcp_pages  # noqa: E402,F401
from vibe.projects import pages as _project_pages  # noqa: E402,F401
