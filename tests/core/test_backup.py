"""Backup → change data → restore → the data is back, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from tests.conftest import PG_SERVER
from vibe.auth.models import User
from vibe.core import backup
from vibe.core.config import get_settings
from vibe.core.db import get_engine, reset_engines
from vibe.core.errors import VibeError


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scratch_db(
    request: pytest.FixtureRequest, vibe_env: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A migrated database of this test's own (PostgreSQL: created and dropped here)."""
    from vibe.core.migrations import upgrade

    admin = None
    name = f"vibe_bk_{uuid.uuid4().hex[:10]}"
    if request.param == "sqlite":
        vibe_env.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{vibe_env / 'vibe.db'}"
    else:
        admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = f"{PG_SERVER}/{name}"
    upgrade(url=url)
    monkeypatch.setenv("VIBE_DATABASE_URL", url)
    get_settings.cache_clear()
    reset_engines()
    yield url
    reset_engines()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _usernames() -> list[str]:
    with Session(get_engine()) as session:
        return sorted(u.username for u in session.exec(select(User)).all())


def _add_user(username: str) -> None:
    with Session(get_engine()) as session:
        session.add(User(username=username))
        session.commit()


def test_backup_change_restore(scratch_db: str, tmp_path: Path) -> None:
    _add_user("kept")
    path = backup.backup(tmp_path / "snap" / "vibe.bak")
    assert path.stat().st_size > 0
    _add_user("added-after")
    with Session(get_engine()) as session:
        session.delete(session.exec(select(User).where(User.username == "kept")).one())
        session.commit()
    assert _usernames() == ["added-after"]
    backup.restore(path)
    assert _usernames() == ["kept"]


def test_default_path_is_under_data_dir(scratch_db: str, vibe_env: Path) -> None:
    path = backup.backup()
    assert path.parent == vibe_env / "backups" and path.exists()


def test_restore_refuses_missing_or_foreign_file(scratch_db: str, tmp_path: Path) -> None:
    with pytest.raises(VibeError, match="no backup file"):
        backup.restore(tmp_path / "missing")
    junk = tmp_path / "junk"
    junk.write_text("not a backup; DROP TABLE users;")
    _add_user("safe")
    with pytest.raises(VibeError):
        backup.restore(junk)
    assert _usernames() == ["safe"]


def test_libpq_url_keeps_password_out_of_the_uri() -> None:
    uri, password = backup.libpq_url("postgresql+psycopg://vibe:s3cret@db:5433/vibe")
    assert uri == "postgresql://vibe@db:5433/vibe" and password == "s3cret"
