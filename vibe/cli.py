"""The `vibe` command.

Sub-commands are thin: they parse arguments, call a service and print. Long work shows a progress
bar (rich) and stops cleanly on Ctrl-C.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from vibe.core.config import get_settings, set_env

ROOT = Path(__file__).resolve().parents[1]


def _fail(message: str) -> NoReturn:
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
    click.echo(f"Vibe is starting on http://{host}:{port}/ (first start builds the frontend)")
    set_env(VIBE_PORT=str(port), VIBE_HOST=host)  # rxconfig reads the port
    os.chdir(ROOT)
    _build_frontend()
    set_env(**backend_env(mount_frontend=True))
    run_backend(host, port)


def _build_frontend() -> None:
    """Compile the pages and build the production frontend into .web with `reflex export`, in
    this process, as `reflex run --env prod` does before it serves (Reflex rebuilds on every
    start: the build cannot tell what changed). The backend then starts from the compiled app
    without importing it again."""
    from reflex.reflex import cli as reflex_cli

    command = ["export", "--frontend-only", "--no-zip", "--env", "prod"]
    try:
        reflex_cli.main(command, prog_name="reflex", standalone_mode=False)
    except (SystemExit, Exception) as exc:
        if isinstance(exc, SystemExit) and not exc.code:
            return
        _fail(f"could not build the frontend (see the output above): {exc!r}")


def backend_env(*, mount_frontend: bool) -> dict[str, str]:
    """What `reflex run --env prod --single-port` sets for its backend, under Reflex's own
    names (some are private to Reflex): production mode, the pages already compiled (the
    backend evaluates them but writes nothing) and the built frontend served by the backend."""
    from reflex.environment import environment

    return {
        environment.REFLEX_ENV_MODE.name: "prod",
        environment.REFLEX_SKIP_COMPILE.name: "true",
        environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.name: str(mount_frontend).lower(),
    }


UVICORN_SETTINGS: dict[str, Any] = {
    "loop": "uvloop",
    "http": "httptools",
    "ws": "wsproto",
    "lifespan": "on",
    # Open streams (SSE) would hold a shutdown forever: after this, they are cut and the
    # lifespan stops the MCP servers' processes.
    "timeout_graceful_shutdown": 5,
    # Longer than a reverse proxy keeps idle upstream connections (Caddy: 2 minutes), so the
    # proxy never sends a request on a connection we are closing.
    "timeout_keep_alive": 130,
    "log_level": "warning",
    "access_log": False,
}


def run_backend(host: str, port: int) -> None:
    """Serve the app Reflex serves (pages, API, event websocket, MCP gateway) with uvicorn, in
    this process and no other: the MCP gateway's sessions and the supervised MCP server
    processes live in its memory, so a second worker would start its own copy of every server
    and answer 404 to sessions another worker opened (page state is in Redis either way; heavy
    work runs in `vibe worker`). Uvicorn with uvloop and httptools costs less per request than
    granian, Reflex's own server; its websockets (Reflex's /_event) come from wsproto."""
    import uvicorn

    from vibe.core.server import FrozenAfterStartup

    config = uvicorn.Config("vibe.vibe:app", factory=True, host=host, port=port, **UVICORN_SETTINGS)
    FrozenAfterStartup(config).run()


@main.group()
def db() -> None:
    """Database schema and backups."""


@db.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: every head)."""
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


@db.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def db_backup(path: Path | None) -> None:
    """Back the database up to PATH (default: data_dir/backups/vibe-<time>.db|sql)."""
    from vibe.core import backup

    _ensure_database()
    try:
        written = backup.backup(path)
    except backup.BackupError as exc:
        _fail(exc.message)
    click.echo(f"backup written to {written}")


@db.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def db_restore(path: Path, yes: bool) -> None:
    """Replace the database's content with the backup at PATH."""
    from vibe.core import backup

    _ensure_database()
    if not yes:
        click.confirm(f"Replace ALL data in the database with {path}?", abort=True)
    try:
        backup.restore(path)
    except backup.BackupError as exc:
        _fail(exc.message)
    click.echo(f"database restored from {path}")


@main.command()
@click.option("--name", default=None, help="Worker name (default: host.pid).")
@click.option("--burst", is_flag=True, help="Quit when the queue is empty.")
def worker(name: str | None, burst: bool) -> None:
    """Run a job worker: consumes the Redis queue, beats, reaps jobs of dead workers."""
    from vibe.core.logging import setup_logging

    settings = get_settings()
    if not settings.redis_url:
        _fail(
            "VIBE_REDIS_URL is not set: without Redis, jobs run inside `vibe serve` "
            "and no worker is needed"
        )
    _ensure_redis()
    _ensure_database()
    setup_logging(settings.log_level, settings.log_json)
    from jobs.worker import run_worker

    click.echo(f"worker consuming queue 'vibe' on {_safe_redis_url()}")
    run_worker(name=name, burst=burst)


def _safe_redis_url() -> str:
    from redis.connection import parse_url

    parts = parse_url(get_settings().redis_url)
    return f"redis://{parts.get('host', '?')}:{parts.get('port', 6379)}/{parts.get('db', 0)}"


def _ensure_redis() -> None:
    from redis.exceptions import RedisError

    from vibe.core.redis import get_redis

    client = get_redis()
    try:
        if client is not None:
            client.ping()
    except RedisError as exc:
        _fail(f"cannot connect to Redis at {_safe_redis_url()}: {exc}")


@main.group()
def user() -> None:
    """User accounts."""


@user.command("create-admin")
@click.argument("username")
def user_create_admin(username: str) -> None:
    """Make USERNAME an administrator, creating a local account if there is none."""
    from vibe.auth.service import create_admin
    from vibe.core.db import session_scope

    _ensure_database()
    with session_scope() as session:
        account = create_admin(username, session=session)
        click.echo(f"{account.username} is an administrator (id {account.id})")


def _add_feature_commands() -> None:
    from vibe.jobs.cli import jobs

    main.add_command(jobs)


_add_feature_commands()


def _add_graph_commands() -> None:
    from vibe.graph.cli import graph_cli

    main.add_command(graph_cli)


_add_graph_commands()

from vibe.orchestrator.cli import mcp_cli  # noqa: E402

main.add_command(mcp_cli)


if __name__ == "__main__":
    main()
