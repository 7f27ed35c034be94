"""Health of each upstream server: latency average, failures in a row, and a circuit breaker.

closed → (N failures in a row) → open → (cool-down elapsed) → half_open → one probe or call:
success closes it, failure opens it again. While open, the server's tools leave the aggregated
list and calls are refused without reaching it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import or_
from sqlmodel import Session, col, delete, select

from vibe.core.db import utcnow
from vibe.core.metrics import REGISTRY
from vibe.orchestrator.models import McpHealth

EMA_ALPHA = 0.3

CALLS = Counter(
    "vibe_mcp_calls_total", "MCP tool calls", ["server", "tool", "outcome"], registry=REGISTRY
)
CALL_SECONDS = Histogram(
    "vibe_mcp_call_seconds",
    "MCP tool call latency",
    ["server", "tool"],
    registry=REGISTRY,
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
SERVER_UP = Gauge(
    "vibe_mcp_server_up", "1 when the MCP server is connected", ["server"], registry=REGISTRY
)
BREAKER_OPEN = Gauge(
    "vibe_mcp_breaker_open", "1 when the server's breaker is open", ["server"], registry=REGISTRY
)
CHECK_LATENCY = Gauge(
    "vibe_mcp_health_latency_ms",
    "Moving average of health-check latency",
    ["server"],
    registry=REGISTRY,
)


@dataclass
class Breaker:
    failures_to_open: int = 3
    cooldown_seconds: float = 30.0
    clock: Callable[[], float] = time.monotonic
    state: str = "closed"
    failures: int = 0
    opened_at: float = 0.0

    def allows(self) -> bool:
        """Whether a call may go through now; an expired open breaker turns half-open."""
        if self.state == "open" and self.clock() - self.opened_at >= self.cooldown_seconds:
            self.state = "half_open"
        return self.state != "open"

    def success(self) -> None:
        self.state = "closed"
        self.failures = 0

    def failure(self) -> None:
        self.failures += 1
        if self.state == "half_open" or self.failures >= self.failures_to_open:
            self.state = "open"
            self.opened_at = self.clock()

    def seconds_until_retry(self) -> float:
        if self.state != "open":
            return 0.0
        return max(0.0, self.cooldown_seconds - (self.clock() - self.opened_at))


@dataclass
class Health:
    """What the router and the UI know about how a server has been doing."""

    breaker: Breaker = field(default_factory=Breaker)
    latency_ema_ms: float | None = None
    consecutive_failures: int = 0
    checks: int = 0
    last_error: str = ""
    last_ok_at: float | None = None

    def observe(self, ok: bool, latency_ms: float | None = None, error: str = "") -> None:
        self.checks += 1
        if ok:
            self.consecutive_failures = 0
            self.last_ok_at = time.time()
            self.breaker.success()
            if latency_ms is not None:
                self.latency_ema_ms = (
                    latency_ms
                    if self.latency_ema_ms is None
                    else EMA_ALPHA * latency_ms + (1 - EMA_ALPHA) * self.latency_ema_ms
                )
        else:
            self.consecutive_failures += 1
            self.last_error = error[:1000]
            self.breaker.failure()

    def snapshot(self) -> dict[str, object]:
        self.breaker.allows()
        return {
            "breaker": self.breaker.state,
            "latency_ema_ms": self.latency_ema_ms,
            "consecutive_failures": self.consecutive_failures,
            "last_error": self.last_error,
            "retry_in_seconds": round(self.breaker.seconds_until_retry(), 3),
        }


def publish(server: str, up: bool, health: Health) -> None:
    """Mirror a server's state into the Prometheus gauges."""
    SERVER_UP.labels(server).set(1 if up else 0)
    BREAKER_OPEN.labels(server).set(1 if health.breaker.state == "open" else 0)
    if health.latency_ema_ms is not None:
        CHECK_LATENCY.labels(server).set(health.latency_ema_ms)


_CALL_CHILDREN: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}


def observe_call(server: str, tool: str, outcome: str, seconds: float) -> None:
    # The labelled children are kept here: looking them up costs more than counting the call.
    # As many entries as the metrics hold children themselves; none is ever removed from them.
    key = (server, tool, outcome)
    children = _CALL_CHILDREN.get(key)
    if children is None:
        children = (CALLS.labels(server, tool, outcome), CALL_SECONDS.labels(server, tool))
        _CALL_CHILDREN[key] = children
    children[0].inc()
    children[1].observe(seconds)


# -- stored history ------------------------------------------------------------------------------


def record_check(
    *,
    session: Session,
    server_id: int,
    ok: bool,
    latency_ms: float | None,
    error: str,
    keep: int,
    keep_days: float,
) -> McpHealth:
    """Store one check and prune the server's history to ``keep`` rows and ``keep_days`` days."""
    row = McpHealth(server_id=server_id, ok=ok, latency_ms=latency_ms, error=error[:1000])
    session.add(row)
    session.flush()
    prune(session=session, server_id=server_id, keep=keep, keep_days=keep_days)
    return row


def prune(*, session: Session, server_id: int, keep: int, keep_days: float) -> None:
    """Delete the server's checks beyond the newest ``keep`` or older than ``keep_days`` (0: no
    limit of that kind); one indexed statement, cheap enough to run after every check."""
    stale = []
    if keep_days > 0:
        stale.append(col(McpHealth.at) < utcnow() - timedelta(days=keep_days))
    if keep > 0:
        newest_dropped = (
            select(McpHealth.id)
            .where(McpHealth.server_id == server_id)
            .order_by(col(McpHealth.id).desc())
            .offset(keep)
            .limit(1)
            .scalar_subquery()
        )
        stale.append(col(McpHealth.id) <= newest_dropped)
    if stale:
        query = delete(McpHealth).where(col(McpHealth.server_id) == server_id, or_(*stale))
        session.exec(query)  # type: ignore[call-overload]


def history(*, session: Session, server_id: int, limit: int = 100) -> list[McpHealth]:
    """The server's latest checks, newest first."""
    query = (
        select(McpHealth)
        .where(McpHealth.server_id == server_id)
        .order_by(col(McpHealth.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())
