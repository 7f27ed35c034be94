"""Prometheus metrics in one registry so /metrics is the whole picture of this process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "vibe_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "vibe_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOBS = Gauge("vibe_jobs", "Jobs by status", ["status"], registry=REGISTRY)
DB_POOL = Gauge(
    "vibe_db_pool_connections", "Database pool connections", ["state"], registry=REGISTRY
)


_REQUEST_CHILDREN: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    # The labelled children are kept here: looking them up costs more than counting the request.
    # Routes are templates (or "unmatched"), so this stays as small as the metrics themselves.
    key = (method, route, status)
    children = _REQUEST_CHILDREN.get(key)
    if children is None:
        children = (REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route))
        _REQUEST_CHILDREN[key] = children
    children[0].inc()
    children[1].observe(seconds)


def render() -> bytes:
    return generate_latest(REGISTRY)
