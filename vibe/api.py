"""The FastAPI app behind /api/v1, plus /healthz, /readyz and /metrics.

Reflex mounts its own backend under this app (``api_transformer``), so these routes answer first
and everything else falls through to Reflex.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response

from vibe import __version__
from vibe.core import health, metrics
from vibe.core.web import RequestContextMiddleware, install_error_handlers

API_PREFIX = "/api/v1"


def create_api() -> FastAPI:
    from vibe.assistant.api import router as assistant_router
    from vibe.auth.api import router as auth_router
    from vibe.editor.graph_api import router as editor_graph_router
    from vibe.graph.api import router as graph_router
    from vibe.graph.views_api import router as views_router
    from vibe.jobs.api import router as jobs_router
    from vibe.orchestrator import gateway
    from vibe.orchestrator.api import router as mcp_router
    from vibe.projects.api import router as projects_router

    app = FastAPI(
        title="Vibe API",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    for router in (auth_router, projects_router, jobs_router, graph_router, mcp_router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(assistant_router, prefix=API_PREFIX)
    app.include_router(editor_graph_router, prefix=API_PREFIX)
    app.include_router(views_router, prefix=API_PREFIX)
    gateway.install(app)  # the aggregated MCP endpoint at /mcp

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        report = health.readiness()
        return JSONResponse(report, status_code=200 if report["ready"] else 503)

    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        health.refresh_gauges()
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    @app.api_route(
        API_PREFIX + "/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    def unknown_api_route(path: str) -> JSONResponse:
        # Without this, unknown API paths would fall through to the Reflex frontend.
        return JSONResponse(
            {"error": {"code": "not_found", "message": f"no API route /{path}"}}, status_code=404
        )

    from starlette.middleware.sessions import SessionMiddleware

    from vibe.auth.oauth import session_middleware_options
    from vibe.ui.assets import FrontendAssetsMiddleware

    app.add_middleware(SessionMiddleware, **session_middleware_options())  # OAuth state + PKCE
    app.add_middleware(FrontendAssetsMiddleware)  # cache headers and preloads for the build
    app.add_middleware(RequestContextMiddleware)
    return app
