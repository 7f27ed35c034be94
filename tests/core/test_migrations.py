"""Migrations run up and down cleanly on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.conftest import PG_SERVER
from vibe.core.migrations import current_heads, downgrade, upgrade

TABLES = {"users", "identities", "login_sessions", "api_tokens", "projects", "memberships", "jobs"}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def _roundtrip(url: str) -> None:
    upgrade(url=url)
    assert current_heads(url)
    assert _tables(url) >= TABLES
    downgrade("base", url=url)
    assert not (_tables(url) & TABLES)
    upgrade(url=url)
    assert _tables(url) >= TABLES


def test_sqlite_up_down_up(tmp_path):
    _roundtrip(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.mark.postgres
def test_postgres_up_down_up():
    name = f"vibe_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _roundtrip(f"{PG_SERVER}/{name}")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_models_match_migrations(db):
    """Autogenerate against a migrated database finds nothing: the models match the migrations."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import vibe.models

    engine = create_engine(db)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), vibe.models.metadata)
    engine.dispose()
    assert diff == []
