"""HTTP plumbing shared by every router: request ids, the error envelope, DB sessions.

Routers stay thin because everything a request needs (a session, the client's address, error
translation) is provided here once.
"""

from __future__ import annotations

import gzip
import ipaddress
import logging
import time
import uuid
from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vibe.core import metrics
from vibe.core.db import get_engine
from vibe.core.errors import VibeError
from vibe.core.logging import request_id_var

log = logging.getLogger("vibe.http")

REQUEST_ID_HEADER = "x-request-id"


def db_session() -> Iterator[Session]:
    """FastAPI dependency: one session per request, committed when the handler succeeds."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def error_body(code: str, message: str, **extra: object) -> dict:
    return {"error": {"code": code, "message": message, **extra}}


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def accepted_encodings(accept_encoding: str) -> dict[str, float]:
    """An Accept-Encoding header as ``{coding: quality}`` (lower-cased; a bad ``q`` counts as 0)."""
    taken: dict[str, float] = {}
    for part in accept_encoding.split(","):
        token, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if token.strip():
            taken[token.strip().lower()] = quality
    return taken


def accepts_encoding(accept_encoding: str, coding: str) -> bool:
    """Whether the header takes ``coding``: named, or through ``*``, with q > 0."""
    taken = accepted_encodings(accept_encoding)
    return taken.get(coding, taken.get("*", 0.0)) > 0


# Level 1 writes a 0.7 MB view or export in about 3 ms and makes it 7-15x smaller: worth it on
# any real network. Answers under the threshold go as they are.
GZIP_FROM = 32 * 1024


def compressible(
    request: Request, body: bytes, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    """``body`` gzipped when it is big and the client accepts gzip, as it is otherwise.

    For the API's big answers only (graph views, exports), built whole in memory anyway: a
    middleware over the whole app would also see the MCP gateway's streams and the
    precompressed frontend files."""
    headers = {**(headers or {}), "Vary": "Accept-Encoding"}
    taken = accepts_encoding(request.headers.get("accept-encoding", ""), "gzip")
    if len(body) >= GZIP_FROM and taken:
        body = gzip.compress(body, compresslevel=1, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=media_type, headers=headers)


def download(request: Request, body: str | bytes, media_type: str, filename: str) -> Response:
    """A file to save (graph exports): the browser decodes the gzip before it saves."""
    data = body.encode() if isinstance(body, str) else body
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return compressible(request, data, media_type, disposition)


def is_loopback(host: str) -> bool:
    if host in ("localhost", "testclient"):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RequestContextMiddleware:
    """Give every request an id (honouring an incoming X-Request-ID), time it, count it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for key, value in scope.get("headers", []):
            if key == b"x-request-id":
                incoming = value.decode("latin-1")[:64]
                break
        rid = incoming if incoming and incoming.isprintable() else uuid.uuid4().hex
        token = request_id_var.set(rid)
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            elapsed = time.perf_counter() - start
            metrics.observe_request(scope.get("method", ""), path, status, elapsed)
            log.info(
                "%s %s %s",
                scope.get("method", ""),
                scope.get("path", ""),
                status,
                extra={"ctx_status": status, "ctx_ms": round(elapsed * 1000, 1)},
            )
            request_id_var.reset(token)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(VibeError)
    async def _vibe_error(_request: Request, exc: VibeError) -> JSONResponse:
        headers = {"Retry-After": "60"} if exc.status == 429 else None
        return JSONResponse(
            error_body(exc.code, exc.message), status_code=exc.status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        message = "; ".join(problems) or "invalid request"
        return JSONResponse(error_body("invalid", message), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
        return JSONResponse(
            error_body(code.get(exc.status_code, "http_error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(
            error_body(
                "internal", "internal error; quote the request id", request_id=request_id_var.get()
            ),
            status_code=500,
        )
