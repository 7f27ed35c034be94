"""Backups of the database: SQLite through its online backup API, PostgreSQL through pg_dump.

Both produce one file that ``restore`` puts back. SQLite backups are consistent while the app
runs (the backup API copies pages under SQLite's own locking). PostgreSQL dumps are plain SQL
with ``--clean --if-exists`` so a restore replaces the tables, and psql stops at the first error
inside a single transaction so a failed restore changes nothing.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from vibe.core.config import child_env, get_settings
from vibe.core.db import reset_engines
from vibe.core.errors import VibeError

TOOL_TIMEOUT = 3600


class BackupError(VibeError):
    code = "backup_failed"


def default_path() -> Path:
    """data_dir/backups/vibe-<UTC timestamp>.<db|sql>."""
    settings = get_settings()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = "db" if settings.is_sqlite else "sql"
    return settings.data_dir / "backups" / f"vibe-{stamp}.{suffix}"


def backup(path: Path | None = None) -> Path:
    """Write a backup of the configured database to ``path`` (default: ``default_path()``)."""
    target = Path(path) if path else default_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    url = get_settings().resolved_database_url
    if url.startswith("sqlite"):
        _sqlite_copy(_sqlite_file(url), target)
    else:
        _run_pg("pg_dump", ["--clean", "--if-exists", "--no-owner", "--file", str(target)], url)
    return target


def restore(path: Path) -> None:
    """Replace the configured database's content with the backup at ``path``."""
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    url = get_settings().resolved_database_url
    reset_engines()  # drop pooled connections that would see the old pages
    if url.startswith("sqlite"):
        _check_sqlite_file(source)
        _sqlite_copy(source, _sqlite_file(url))
    else:
        args = ["-v", "ON_ERROR_STOP=1", "--single-transaction", "-q", "-f", str(source)]
        _run_pg("psql", args, url)
    reset_engines()


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _check_sqlite_file(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite backup: {exc}") from exc


def _sqlite_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup failed: {exc}") from exc
    finally:
        dst.close()
        src.close()


def libpq_url(url: str) -> tuple[str, str]:
    """A SQLAlchemy URL as a libpq URI without the password, and the password apart.

    The password goes to the tool through PGPASSWORD so it never shows in the process list.
    """
    parsed = make_url(url)
    password = parsed.password or ""
    clean = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return clean.render_as_string(hide_password=False), str(password)


def _run_pg(tool: str, args: list[str], url: str) -> None:
    exe = shutil.which(tool)
    if exe is None:
        raise BackupError(f"{tool} not found: install the PostgreSQL client tools")
    uri, password = libpq_url(url)
    env = child_env(PGPASSWORD=password) if password else child_env()
    try:
        done = subprocess.run(
            [exe, *args, "--dbname", uri],
            env=env,
            capture_output=True,
            text=True,
            timeout=TOOL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{tool} did not finish within {TOOL_TIMEOUT} s") from exc
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip() or done.returncode}")
