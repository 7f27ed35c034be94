"""Health of each upstream server: latency average, failures in a row, and a circuit breaker.

closed → (N failures in a row) → open → (cool-down elapsed) → half_open → one probe or call:
success closes it, failure opens it again. While open, the server's tools leave the aggregated
list and calls are refused without reaching it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client import Counter, Gauge, Histogram

from vibe.core.metrics import REGISTRY

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


def observe_call(server: str, tool: str, outcome: str, seconds: float) -> None:
    CALLS.labels(server, tool, outcome).inc()
    CALL_SECONDS.labels(server, tool).observe(seconds)
