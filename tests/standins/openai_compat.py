"""OpenAI-compatible chat server stand-in: POST /v1/chat/completions and GET /v1/models.

Answers are scripted per test: ``Script.replies`` is a queue of ``Reply`` objects (the default
reply is used when it is empty), each with a ``mode``:

- ``normal``: the text, streamed in the official ``chat.completion.chunk`` shape (with a final
  usage chunk when ``stream_options.include_usage``) or as one ``chat.completion``;
- ``401`` / ``500``: the official error envelope with that status;
- ``hang``: never answers until the client goes away (for timeouts);
- ``hang_mid``: streams the first chunk, then stalls until the client goes away;
- ``malformed``: a stream whose second event is not JSON;
- ``pause``: streams the first chunk, then waits for ``Script.release`` (or a disconnect).

Every request body is kept in ``Script.requests`` so tests can see what the SDK sent.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

POLL = 0.02


@dataclass
class Reply:
    text: str = "Hello from the stand-in."
    mode: str = "normal"
    prompt_tokens: int = 11
    completion_tokens: int | None = None  # None: one per chunk
    chunk_size: int = 8

    def chunks(self) -> list[str]:
        n = max(self.chunk_size, 1)
        return [self.text[i : i + n] for i in range(0, len(self.text), n)] or [""]

    def completion(self) -> int:
        return len(self.chunks()) if self.completion_tokens is None else self.completion_tokens


@dataclass
class Script:
    """What the stand-in will answer next, and what it was asked."""

    replies: deque[Reply] = field(default_factory=deque)
    default: Reply = field(default_factory=Reply)
    api_key: str | None = None  # when set, other keys get a 401
    models: list[str] = field(default_factory=lambda: ["standin-small", "standin-large"])
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    disconnected: threading.Event = field(default_factory=threading.Event)

    def add(self, *replies: Reply | str) -> Script:
        for reply in replies:
            self.replies.append(Reply(text=reply) if isinstance(reply, str) else reply)
        return self

    def next(self) -> Reply:
        return self.replies.popleft() if self.replies else self.default


async def wait_for(request: Request, script: Script, *, released: bool) -> None:
    """Until the client disconnects (or, when ``released``, the test lets the reply go on)."""
    try:
        while not (released and script.release.is_set()):
            if await request.is_disconnected():
                script.disconnected.set()
                return
            await asyncio.sleep(POLL)
    except asyncio.CancelledError:
        # A streaming response notices the disconnect itself and cancels its body.
        script.disconnected.set()
        raise


def openai_error(status: int, message: str, kind: str, code: str | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return JSONResponse(body, status_code=status)


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-standin",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": None,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def _usage(reply: Reply) -> dict[str, int]:
    done = reply.completion()
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": done,
        "total_tokens": reply.prompt_tokens + done,
    }


def _sse(payload: dict[str, Any] | str) -> str:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return f"data: {data}\n\n"


async def _events(request: Request, script: Script, reply: Reply, body: dict) -> AsyncIterator[str]:
    model = body.get("model", "")
    yield _sse(_chunk(model, {"role": "assistant", "content": ""}))
    for i, piece in enumerate(reply.chunks()):
        if i == 1 and reply.mode == "malformed":
            yield "data: {this is not json\n\n"
            return
        yield _sse(_chunk(model, {"content": piece}))
        if i == 0 and reply.mode in ("hang_mid", "pause"):
            await wait_for(request, script, released=reply.mode == "pause")
            if script.disconnected.is_set():
                return
    yield _sse(_chunk(model, {}, "stop"))
    if (body.get("stream_options") or {}).get("include_usage"):
        yield _sse({**_chunk(model, {}), "choices": [], "usage": _usage(reply)})
    yield _sse("[DONE]")


def create_app(script: Script) -> Starlette:
    """The stand-in app answering from ``script``."""

    def _authorised(request: Request) -> bool:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return script.api_key is None or given == script.api_key

    async def completions(request: Request) -> Response:
        body = await request.json()
        script.requests.append(body)
        if not _authorised(request):
            return openai_error(
                401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
            )
        reply = script.next()
        if reply.mode == "401":
            return openai_error(
                401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
            )
        if reply.mode == "500":
            return openai_error(500, "The server had an error.", "server_error")
        if reply.mode == "hang":
            await wait_for(request, script, released=False)
            return Response(status_code=204)
        if body.get("stream"):
            events = _events(request, script, reply, body)
            return StreamingResponse(events, media_type="text/event-stream")
        return JSONResponse(
            {
                "id": "chatcmpl-standin",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", ""),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply.text},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": _usage(reply),
            }
        )

    async def models(request: Request) -> Response:
        if not _authorised(request):
            return openai_error(
                401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
            )
        data = [
            {"id": m, "object": "model", "created": 0, "owned_by": "standin"} for m in script.models
        ]
        return JSONResponse({"object": "list", "data": data})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", completions, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
        ]
    )
