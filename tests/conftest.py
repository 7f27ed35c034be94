"""Shared fixtures: every test gets its own data folder and a migrated database.

``db`` is parametrised over the embedded SQLite file and the real PostgreSQL server, so every
test that uses it runs on both. PostgreSQL tests use one database per xdist worker (created and
dropped here, never the shared ``test`` database itself) and empty every table after each test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from vibe.core import ratelimit
from vibe.core.config import get_settings
from vibe.core.db import get_engine, reset_engines
from vibe.core.redis import reset_clients

PG_SERVER = os.environ.get("VIBE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS_SERVER = os.environ.get("VIBE_TEST_REDIS", "redis://127.0.0.1:6379")
SECRET = "test-secret-key-not-for-production"


def _worker_num(worker_id: str) -> int:
    return 0 if worker_id == "master" else int(worker_id.removeprefix("gw"))


@pytest.fixture(autouse=True)
def vibe_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point every setting at this test's own folder and forget cached clients."""
    for key in list(os.environ):
        if key.startswith("VIBE_") and not key.startswith("VIBE_TEST_"):
            monkeypatch.delenv(key)
    data = tmp_path / "data"
    monkeypatch.setenv("VIBE_DATA_DIR", str(data))
    monkeypatch.setenv("VIBE_SECRET_KEY", SECRET)
    monkeypatch.setenv("VIBE_LOG_JSON", "false")
    get_settings.cache_clear()
    reset_engines()
    reset_clients()
    ratelimit.reset()
    yield data
    _stop_embedded_jobs()
    # Loaded graphs are cached per (database, index id); PostgreSQL ids restart after each test.
    from vibe.graph import service as graph_service

    with graph_service._cache_lock:
        graph_service._cache.clear()
    reset_engines()
    reset_clients()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file copied per test: migrating once is much faster than per test."""
    from vibe.core.migrations import upgrade

    path = tmp_path_factory.mktemp("tmpl") / "vibe.db"
    upgrade(url=f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_url(worker_id: str) -> Iterator[str]:
    """A migrated PostgreSQL database of this worker's own, dropped at the end."""
    from vibe.core.migrations import upgrade

    name = f"vibe_t{_worker_num(worker_id)}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG_SERVER}/{name}"
    upgrade(url=url)
    yield url
    reset_engines()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _stop_embedded_jobs() -> None:
    """Let the in-process runner's jobs finish: one still writing would race the cleanup
    (on PostgreSQL, ``TRUNCATE`` deadlocked against a findings scan the test had queued)."""
    from jobs import embedded

    if embedded.running() is not None:
        embedded.shutdown(wait=True)


def _truncate_all(url: str) -> None:
    import vibe.models

    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in vibe.models.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(
    request: pytest.FixtureRequest, vibe_env: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The database URL this test runs against, migrated and empty."""
    if request.param == "sqlite":
        vibe_env.mkdir(parents=True, exist_ok=True)
        target = vibe_env / "vibe.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        url = f"sqlite:///{target}"
    else:
        url = request.getfixturevalue("pg_url")
    monkeypatch.setenv("VIBE_DATABASE_URL", url)
    get_settings.cache_clear()
    reset_engines()
    yield url
    _stop_embedded_jobs()  # before the database goes: `vibe_env` tears down after `db`
    reset_engines()
    if request.param == "postgres":
        _truncate_all(url)


@pytest.fixture
def session(db: str) -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def redis_url(worker_id: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A Redis database index of this worker's own, emptied before and after the test."""
    from redis import Redis

    # VIBE_TEST_REDIS_DB lets two suites share one Redis without flushing each other's data.
    base = int(os.environ.get("VIBE_TEST_REDIS_DB", "10"))
    url = f"{REDIS_SERVER}/{base + _worker_num(worker_id)}"
    client = Redis.from_url(url)
    client.flushdb()
    monkeypatch.setenv("VIBE_REDIS_URL", url)
    get_settings.cache_clear()
    reset_clients()
    yield url
    reset_clients()
    client.flushdb()
    client.close()


@pytest.fixture
def make_user(session: Session):
    """Create users through the real service, as a sign-in would."""
    from vibe.auth import service

    def _make(login: str = "alice", provider: str = "github") -> service.User:
        user = service.upsert_identity(
            service.ProviderProfile(
                provider=provider, subject=f"{provider}-{login}", login=login, name=login.title()
            ),
            session=session,
        )
        session.commit()
        return user

    return _make


@pytest.fixture
def api(db: str):
    """A TestClient on the real API app."""
    from fastapi.testclient import TestClient

    from vibe.api import create_api

    with TestClient(create_api(), base_url="http://127.0.0.1:3000") as client:
        yield client


@pytest.fixture
def login(api, session: Session):
    """Sign a user in on the test client (cookie + same-origin header) and return the client."""
    from vibe.auth import service
    from vibe.auth.deps import SESSION_COOKIE

    def _login(user):
        token = service.start_session(user, session=session)
        session.commit()
        api.cookies.set(SESSION_COOKIE, token)
        api.headers["Origin"] = "http://127.0.0.1:3000"
        return api

    return _login
