"""Stored health checks: pruned by count and by age, written by real checks, served over REST."""

from __future__ import annotations

from datetime import timedelta

import anyio
from sqlmodel import select

from tests.orchestrator.conftest import echo_command
from vibe.core.config import get_settings
from vibe.core.db import utcnow
from vibe.orchestrator import health, registry
from vibe.orchestrator.models import McpHealth
from vibe.orchestrator.schemas import ServerIn
from vibe.orchestrator.service import Orchestrator
from vibe.orchestrator.supervisor import Supervisor

BASE = "/api/v1/mcp"


def _server(session, owner, **fields) -> int:
    command, args = echo_command()
    data = ServerIn(name="echo", command=command, args=args, **fields)
    row = registry.create_server(owner, data, session=session)
    session.commit()
    return int(row.id or 0)


def _checks(session, server_id: int) -> list[McpHealth]:
    session.expire_all()
    query = select(McpHealth).where(McpHealth.server_id == server_id).order_by(McpHealth.id)
    return list(session.exec(query).all())


def test_only_the_newest_checks_are_kept(admin, session):
    server_id = _server(session, admin, enabled=False)
    for i in range(6):
        health.record_check(
            session=session,
            server_id=server_id,
            ok=True,
            latency_ms=float(i),
            error="",
            keep=3,
            keep_days=0,
        )
    session.commit()
    assert [c.latency_ms for c in _checks(session, server_id)] == [3.0, 4.0, 5.0]
    health.prune(session=session, server_id=server_id, keep=0, keep_days=0)
    assert len(_checks(session, server_id)) == 3, "0 means no limit"


def test_checks_older_than_the_limit_are_deleted(admin, session):
    server_id = _server(session, admin, enabled=False)
    session.add(McpHealth(server_id=server_id, ok=False, at=utcnow() - timedelta(days=9)))
    session.add(McpHealth(server_id=server_id, ok=False, at=utcnow() - timedelta(days=2)))
    session.commit()
    health.record_check(
        session=session, server_id=server_id, ok=True, latency_ms=1.0, error="", keep=0, keep_days=7
    )
    session.commit()
    assert [c.ok for c in _checks(session, server_id)] == [False, True]


def test_real_checks_are_stored_and_pruned_by_the_setting(admin, session, monkeypatch):
    monkeypatch.setenv("VIBE_MCP_HEALTH_KEEP_PER_SERVER", "2")
    get_settings.cache_clear()
    server_id = _server(session, admin)

    async def scenario() -> None:
        async with Supervisor(start_timeout=20) as sup:
            orch = Orchestrator(sup)
            await orch.reload()
            assert await sup.wait_ready(timeout=20)
            for _ in range(4):
                assert (await sup.check(server_id))[0]

    try:
        anyio.run(scenario)
    finally:
        get_settings.cache_clear()
    checks = _checks(session, server_id)
    assert len(checks) == 2 and all(c.ok and c.latency_ms for c in checks)


def test_health_history_route(login, make_user, admin, session):
    from vibe.projects import service as projects

    server_id = _server(session, admin, enabled=False)
    for ok in (True, False):
        session.add(McpHealth(server_id=server_id, ok=ok, latency_ms=2.5, error="" if ok else "x"))
    session.commit()
    checks = login(admin).get(f"{BASE}/servers/{server_id}/health").json()
    assert [(c["ok"], c["error"]) for c in checks] == [(False, "x"), (True, "")]
    assert len(login(admin).get(f"{BASE}/servers/{server_id}/health?limit=1").json()) == 1

    bob = make_user("bob")
    mine = projects.create_project(bob, name="bobs", session=session).project
    session.commit()
    private = _server(session, admin, scope="project", project_id=mine.id, enabled=False)
    carol = make_user("carol")
    assert login(carol).get(f"{BASE}/servers/{private}/health").status_code == 404
    assert login(bob).get(f"{BASE}/servers/{private}/health").json() == []
