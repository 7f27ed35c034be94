"""The `vibe` command.

Sub-commands are thin: they parse arguments, call a service and print. Long work shows a progress
bar (rich) and stops cleanly on Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click

from vibe.core.config import child_env, get_settings

ROOT = Path(__file__).resolve().parents[1]


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)


def _ensure_database() -> None:
    from vibe.core.db import DatabaseUnavailable, check_database

    try:
        check_database()
    except DatabaseUnavailable as exc:
        _fail(str(exc))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Vibe: a self-hostable, AI-assisted browser IDE."""


@main.command()
@click.option("--host", default=None, help="Interface to bind (default VIBE_HOST).")
@click.option("--port", default=None, type=int, help="Port to serve on (default VIBE_PORT).")
@click.option("--no-migrate", is_flag=True, help="Skip database migrations at start.")
def serve(host: str | None, port: int | None, no_migrate: bool) -> None:
    """Migrate the database, build the frontend and serve the app in production mode."""
    from vibe.core.migrations import upgrade

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    _ensure_database()
    if not no_migrate:
        upgrade()
    reflex = shutil.which("reflex") or str(Path(sys.executable).parent / "reflex")
    click.echo(f"Vibe is starting on http://{host}:{port}/ (first start builds the frontend)")
    env = child_env(VIBE_PORT=str(port), VIBE_HOST=host)
    os.chdir(ROOT)
    args = [
        reflex,
        "run",
        "--env",
        "prod",
        "--single-port",
        "--frontend-port",
        str(port),
        "--backend-port",
        str(port),
        "--backend-host",
        host,
    ]
    os.execvpe(reflex, args, env)


@main.group()
def db() -> None:
    """Database schema and backups."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from vibe.core.migrations import upgrade

    _ensure_database()
    upgrade(revision)
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (default: one step)."""
    from vibe.core.migrations import downgrade

    _ensure_database()
    downgrade(revision)
    click.echo(f"database at {revision}")


if __name__ == "__main__":
    main()
