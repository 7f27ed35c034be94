"""OpenTelemetry on the gateway's fast path and the upstream lane: the spans the SDK would have
opened (names, kinds, attributes, status), one trace from the MCP client through the gateway
to the upstream server, and nothing at all while no tracer provider is set."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, StatusCode, TraceFlags

from tests.orchestrator.conftest import add_server
from tests.orchestrator.test_fastpath import _answered, _client, _ready, _text
from vibe.orchestrator import tracing


@dataclass
class Finished:
    name: str
    kind: SpanKind
    context: SpanContext
    parent: SpanContext | None
    attributes: dict[str, Any]
    status: StatusCode = StatusCode.UNSET


class RecordingSpan(NonRecordingSpan):
    """A span with a real (sampled) context that keeps what is set on it until it ends."""

    def __init__(self, finished: Finished, sink: list[Finished]) -> None:
        super().__init__(finished.context)
        self.finished, self.sink = finished, sink

    def is_recording(self) -> bool:
        return True

    def set_attribute(self, key: str, value: Any) -> None:
        self.finished.attributes[key] = value

    def set_attributes(self, attributes: dict[str, Any]) -> None:
        self.finished.attributes.update(attributes)

    def set_status(self, status: Any, description: str | None = None) -> None:
        self.finished.status = getattr(status, "status_code", status)

    def end(self, end_time: int | None = None) -> None:
        self.sink.append(self.finished)


@dataclass
class Recorder(trace.TracerProvider, trace.Tracer):
    """A tracer provider (and its one tracer) recording finished spans while ``active``. The
    API's proxy tracers keep the tracer they were first given, so an inactive recorder has to
    behave as the no-op one for the tests that run after."""

    finished: list[Finished] = field(default_factory=list)
    active: bool = True

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return self

    def start_span(
        self,
        name: str,
        context: Any = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> trace.Span:
        if not self.active:
            return trace.INVALID_SPAN
        parent = trace.get_current_span(context).get_span_context()
        parent = parent if parent.is_valid else None
        trace_id = parent.trace_id if parent else random.getrandbits(128)
        own = SpanContext(trace_id, random.getrandbits(64), False, TraceFlags(TraceFlags.SAMPLED))
        record = Finished(name, kind, own, parent, dict(attributes or {}))
        return RecordingSpan(record, self.finished)

    @contextmanager
    def start_as_current_span(self, name: str, *args: Any, **kwargs: Any) -> Iterator[trace.Span]:
        names = ("record_exception", "set_status_on_exception")
        options = {k: kwargs.pop(k) for k in names if k in kwargs}
        kwargs.pop("end_on_exit", None)
        span = self.start_span(name, *args, **kwargs)
        with trace.use_span(span, end_on_exit=True, **options):
            yield span


RECORDER = Recorder(active=False)  # one per process: the proxies keep the first one they see


@pytest.fixture
def spans(monkeypatch) -> Iterator[list[Finished]]:
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", RECORDER)
    assert tracing.enabled()
    RECORDER.finished.clear()
    RECORDER.active = True
    yield RECORDER.finished
    RECORDER.active = False
    RECORDER.finished.clear()


def _traced(token: str, live_api, tool: str, arguments: dict[str, Any]) -> tuple[str, bool]:
    async def scenario() -> tuple[str, bool]:
        async with _client(live_api.base, token) as client:
            await _ready(client, tool)
            before = _answered(live_api)
            result = await client.call_tool(tool, arguments)
            assert _answered(live_api) == before + 1  # the fast path answered it
            return _text(result), result.is_error

    return anyio.run(scenario)


def _same(parent: SpanContext | None, context: SpanContext) -> bool:
    return parent is not None and (parent.trace_id, parent.span_id) == (
        context.trace_id,
        context.span_id,
    )


def _one(spans: list[Finished], name: str) -> Finished:
    [span] = [s for s in spans if s.name == name]
    return span


def test_one_trace_runs_from_the_client_through_the_gateway_upstream(
    live_api, admin, token_for, http_echo, private_urls, spans
):
    token = token_for(admin)
    add_server(live_api.base, token, name="web", transport="streamable_http", url=http_echo.url)
    seen, failed = _traced(token, live_api, "web__traceparent", {})
    assert not failed

    sent = _one(spans, "MCP send tools/call web__traceparent")  # the test's own SDK client
    served = _one(spans, "tools/call web__traceparent")
    forwarded = _one(spans, "MCP send tools/call traceparent")
    assert served.kind == SpanKind.SERVER and forwarded.kind == SpanKind.CLIENT
    assert _same(served.parent, sent.context)  # read from the request's _meta
    assert _same(forwarded.parent, served.context)
    assert served.attributes == {
        "mcp.method.name": "tools/call",
        "mcp.protocol.version": served.attributes["mcp.protocol.version"],
        "jsonrpc.request.id": served.attributes["jsonrpc.request.id"],
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "web__traceparent",
    }
    assert forwarded.attributes["jsonrpc.request.id"].startswith("vibe-")
    assert served.status == StatusCode.UNSET
    # The upstream received the forwarded span's context in _meta.
    ctx = forwarded.context
    assert seen == f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-01"


def test_a_failing_tool_marks_its_span_as_the_sdk_does(
    live_api, admin, token_for, http_echo, private_urls, spans
):
    token = token_for(admin)
    add_server(live_api.base, token, name="web", transport="streamable_http", url=http_echo.url)
    _, failed = _traced(token, live_api, "web__fail", {"message": "boom"})
    assert failed
    served = _one(spans, "tools/call web__fail")
    assert served.status == StatusCode.ERROR
    assert served.attributes["error.type"] == "tool_error"


def test_without_a_tracer_provider_nothing_is_traced_or_sent(
    live_api, admin, token_for, http_echo, private_urls
):
    assert not tracing.enabled()
    token = token_for(admin)
    add_server(live_api.base, token, name="web", transport="streamable_http", url=http_echo.url)
    seen, failed = _traced(token, live_api, "web__traceparent", {})
    assert not failed and seen == ""


def test_an_error_answer_sets_the_rpc_status():
    recorder = Recorder()
    span = recorder.start_span("tools/call x", kind=SpanKind.SERVER)
    tracing.outcome(span, {"error": {"code": -32602, "message": "bad"}})
    span.end()
    [finished] = recorder.finished
    assert finished.status == StatusCode.ERROR
    assert finished.attributes == {"error.type": "-32602", "rpc.response.status_code": "-32602"}
    tracing.outcome(None, {"error": {"code": 1}})  # tracing off: nothing to mark
