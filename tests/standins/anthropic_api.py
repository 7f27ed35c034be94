"""Anthropic Messages API stand-in: POST /v1/messages (SSE or JSON) and GET /v1/models.

Scripted like the OpenAI-compatible stand-in (``Script`` and ``Reply`` from there, same modes).
Streams use Anthropic's event shapes: message_start (input usage), content_block_start, ping,
content_block_delta (text_delta), content_block_stop, message_delta (output usage), message_stop.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.standins.openai_compat import Reply, Script, wait_for

MESSAGE_ID = "msg_standin01"


def anthropic_error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"type": "error", "error": {"type": kind, "message": message}}, status_code=status
    )


def _event(name: str, payload: dict[str, Any] | str) -> str:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return f"event: {name}\ndata: {data}\n\n"


def _message(model: str, reply: Reply, content: list, stop: str | None, out: int) -> dict:
    return {
        "id": MESSAGE_ID,
        "type": "message",
        "role": "assistant",
        "content": content,
        "model": model,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": reply.prompt_tokens, "output_tokens": out},
    }


async def _events(request: Request, script: Script, reply: Reply, model: str) -> AsyncIterator[str]:
    yield _event(
        "message_start", {"type": "message_start", "message": _message(model, reply, [], None, 1)}
    )
    yield _event(
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    )
    yield _event("ping", {"type": "ping"})
    for i, piece in enumerate(reply.chunks()):
        if i == 1 and reply.mode == "malformed":
            yield _event("content_block_delta", "{not json")
            return
        delta = {"type": "text_delta", "text": piece}
        yield _event(
            "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
        )
        if i == 0 and reply.mode in ("hang_mid", "pause"):
            await wait_for(request, script, released=reply.mode == "pause")
            if script.disconnected.is_set():
                return
    yield _event("content_block_stop", {"type": "content_block_stop", "index": 0})
    yield _event(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": reply.completion()},
        },
    )
    yield _event("message_stop", {"type": "message_stop"})


def create_app(script: Script) -> Starlette:
    """The stand-in app answering from ``script``."""

    def _authorised(request: Request) -> bool:
        # The API takes x-api-key; SDK 2.x sends the key as a bearer token instead.
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        given = {request.headers.get("x-api-key", ""), bearer}
        return script.api_key is None or script.api_key in given

    async def messages(request: Request) -> Response:
        body = await request.json()
        script.requests.append(body)
        reply = script.next()
        if not _authorised(request) or reply.mode == "401":
            return anthropic_error(401, "authentication_error", "invalid x-api-key")
        if reply.mode == "500":
            return anthropic_error(500, "api_error", "Internal server error")
        if not body.get("max_tokens"):
            return anthropic_error(400, "invalid_request_error", "max_tokens: Field required")
        if reply.mode == "hang":
            await wait_for(request, script, released=False)
            return Response(status_code=204)
        model = body.get("model", "")
        if body.get("stream"):
            events = _events(request, script, reply, model)
            return StreamingResponse(events, media_type="text/event-stream")
        content = [{"type": "text", "text": reply.text}]
        return JSONResponse(_message(model, reply, content, "end_turn", reply.completion()))

    async def models(request: Request) -> Response:
        if not _authorised(request):
            return anthropic_error(401, "authentication_error", "invalid x-api-key")
        data = [
            {
                "type": "model",
                "id": m,
                "display_name": m.title(),
                "created_at": "2025-01-01T00:00:00Z",
            }
            for m in script.models
        ]
        first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
        return JSONResponse({"data": data, "has_more": False, "first_id": first, "last_id": last})

    return Starlette(
        routes=[
            Route("/v1/messages", messages, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
        ]
    )
