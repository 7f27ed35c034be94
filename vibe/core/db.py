"""Engine and sessions: a SQLite file by default, PostgreSQL when VIBE_DATABASE_URL says so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from vibe.core.config import get_settings


class DatabaseUnavailable(RuntimeError):
    """Raised with a message a person can act on when the database cannot be reached."""


def utcnow() -> datetime:
    """Aware UTC: SQLModel's datetime columns refuse naive values and return UTC."""
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, pool_recycle=1800)


_ENGINES: dict[str, Engine] = {}


def get_engine() -> Engine:
    url = get_settings().resolved_database_url
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = make_engine(url)
    return engine


def reset_engines() -> None:
    """Dispose pooled connections; tests and the CLI call it after switching databases."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def check_database() -> None:
    """Fail fast, with the URL's host (never its password), when the database is down."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    engine = get_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        safe = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"cannot connect to the database at {safe}: {exc.orig}") from exc
