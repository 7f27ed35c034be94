"""Readiness: each dependency is checked on its own and reported with a reason."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, text
from sqlmodel import Session, select

from vibe.core import metrics
from vibe.core.config import get_settings
from vibe.core.db import get_engine, utcnow
from vibe.core.redis import get_redis


def _check_database() -> dict:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "reason": f"database unreachable: {type(exc).__name__}"}


def _check_redis() -> dict:
    client = get_redis()
    if client is None:
        return {"ok": True, "mode": "embedded"}
    try:
        client.ping()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "reason": f"redis unreachable: {type(exc).__name__}"}


def _check_worker() -> dict:
    if get_redis() is None:
        return {"ok": True, "mode": "in-process"}
    from vibe.jobs.models import WorkerHeartbeat

    settings = get_settings()
    cutoff = utcnow() - timedelta(seconds=settings.worker_heartbeat_seconds * 3)
    try:
        with Session(get_engine()) as session:
            alive = session.exec(
                select(func.count())
                .select_from(WorkerHeartbeat)
                .where(WorkerHeartbeat.seen_at >= cutoff)
            ).one()
    except Exception as exc:
        return {"ok": False, "reason": f"cannot read worker heartbeats: {type(exc).__name__}"}
    if not alive:
        return {"ok": False, "reason": "no worker heartbeat: start `vibe worker`"}
    return {"ok": True, "workers": int(alive)}


def readiness() -> dict:
    checks = {"database": _check_database(), "redis": _check_redis()}
    checks["worker"] = (
        _check_worker() if checks["database"]["ok"] else {"ok": False, "reason": "database down"}
    )
    return {"ready": all(c["ok"] for c in checks.values()), "checks": checks}


def refresh_gauges() -> None:
    """Fill gauges that are read from state rather than counted as events."""
    from vibe.jobs.models import Job, JobStatus

    try:
        with Session(get_engine()) as session:
            counts = dict(session.exec(select(Job.status, func.count()).group_by(Job.status)).all())
        for status in JobStatus:
            metrics.JOBS.labels(status.value).set(counts.get(status.value, 0))
    except Exception:
        pass
    pool = get_engine().pool
    for state in ("checkedout", "checkedin", "overflow"):
        fn = getattr(pool, state, None)
        if callable(fn):
            metrics.DB_POOL.labels(state).set(fn())
