"""/readyz reports each dependency with a reason; /metrics carries job counts."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from vibe.core.config import get_settings
from vibe.core.db import utcnow
from vibe.core.redis import reset_clients
from vibe.jobs.models import Job, WorkerHeartbeat


def test_embedded_mode_is_ready(api) -> None:
    response = api.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["worker"]["mode"] == "in-process"


def test_redis_configured_but_down_is_503_with_reason(api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIBE_REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    reset_clients()
    response = api.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["reason"].startswith("redis unreachable")


@pytest.mark.redis
def test_no_worker_heartbeat_is_503(api, redis_url: str) -> None:
    response = api.get("/readyz")
    assert response.status_code == 503
    assert "no worker heartbeat" in response.json()["checks"]["worker"]["reason"]


@pytest.mark.redis
def test_worker_heartbeat_makes_it_ready(api, redis_url: str, session: Session) -> None:
    session.add(WorkerHeartbeat(name="w1", seen_at=utcnow(), pid=1))
    session.commit()
    response = api.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["worker"]["workers"] == 1


def test_metrics_count_jobs_by_status(api, session: Session) -> None:
    session.add(Job(id="j1", kind="count", status="failed"))
    session.add(Job(id="j2", kind="count", status="failed"))
    session.commit()
    body = api.get("/metrics").text
    assert 'vibe_jobs{status="failed"} 2.0' in body
    assert 'vibe_jobs{status="running"} 0.0' in body
