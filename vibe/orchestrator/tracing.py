"""OpenTelemetry spans for the calls that bypass the SDK: the gateway's fast path and the lean
upstream lane.

The SDK traces every message it handles (a SERVER span per request, a CLIENT span per request it
sends, W3C trace context carried in ``_meta``). The fast path answers ``tools/call`` without the
SDK's dispatcher, so without this a deployment that exports traces would lose every tool call
that goes through the gateway. The spans here carry the SDK's names and attributes, so traces
look the same whichever path served the call.

Nothing is done while no tracer provider is configured (the API's default proxy, whose spans
record nothing): the fast path is there to save microseconds, and a span costs some.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

# The SDK's own readers and writers of `_meta` trace context (mcp 2.3.0, pinned), so both
# paths agree on what a valid parent is.
from mcp.shared._otel import extract_trace_context, inject_trace_context
from opentelemetry import trace
from opentelemetry.environment_variables import OTEL_PYTHON_TRACER_PROVIDER
from opentelemetry.trace import SpanKind, StatusCode

_tracer = trace.get_tracer("vibe.orchestrator")
NO_SPAN: AbstractContextManager[None] = nullcontext()  # reusable: it holds nothing
_PROVIDER_FROM_ENV = OTEL_PYTHON_TRACER_PROVIDER in os.environ  # loaded on first use


def enabled() -> bool:
    """A tracer provider has been set (by code, ``OTEL_PYTHON_TRACER_PROVIDER`` or an agent).

    Asked twice per call, so it reads the API's global directly: ``get_tracer_provider()``
    and an ``isinstance`` against its proxy took about 2 µs, most of what tracing cost a call
    while off. requirements.txt pins the API; the tests fail if the global moves."""
    if trace._TRACER_PROVIDER is not None:
        return True
    if _PROVIDER_FROM_ENV:
        trace.get_tracer_provider()  # loads and sets the one the variable names
        return True
    return False


def server_call(
    tool: str, request_id: Any, version: str, meta: Mapping[str, Any] | None
) -> AbstractContextManager[trace.Span | None]:
    """The SERVER span the SDK opens for an inbound ``tools/call`` (None when tracing is off)."""
    if not enabled():
        return NO_SPAN
    attributes = {
        "mcp.method.name": "tools/call",
        "mcp.protocol.version": version,
        "jsonrpc.request.id": str(request_id),
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": tool,
    }
    return _tracer.start_as_current_span(
        f"tools/call {tool}",
        kind=SpanKind.SERVER,
        attributes=attributes,
        context=extract_trace_context(meta),
        record_exception=False,
        set_status_on_exception=False,
    )


def outcome(span: trace.Span | None, answer: Mapping[str, Any]) -> None:
    """Mark a server span as the SDK would from the JSON-RPC answer: an error's code, or a
    tool result flagged ``isError``."""
    if span is None:
        return
    error = answer.get("error")
    if isinstance(error, Mapping):
        code = str(error.get("code"))
        span.set_attributes({"error.type": code, "rpc.response.status_code": code})
        span.set_status(StatusCode.ERROR, str(error.get("message", "")))
        return
    result = answer.get("result")
    if isinstance(result, Mapping) and result.get("isError") is True:
        span.set_attribute("error.type", "tool_error")
        span.set_status(StatusCode.ERROR)


def client_call(
    tool: str, request_id: str, meta: dict[str, Any] | None
) -> AbstractContextManager[dict[str, Any] | None]:
    """The CLIENT span the SDK opens for an outbound ``tools/call``. Gives the ``_meta`` to
    send: ``meta`` itself when tracing is off, else a copy carrying the trace context, so the
    upstream continues the same trace."""
    if not enabled():
        return nullcontext(meta)
    return _client_span(tool, request_id, meta)


@contextmanager
def _client_span(
    tool: str, request_id: str, meta: dict[str, Any] | None
) -> Iterator[dict[str, Any] | None]:
    with _tracer.start_as_current_span(
        f"MCP send tools/call {tool}",
        kind=SpanKind.CLIENT,
        attributes={"mcp.method.name": "tools/call", "jsonrpc.request.id": request_id},
    ):
        carried = dict(meta or {})
        inject_trace_context(carried)
        yield carried
