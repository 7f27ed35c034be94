"""The `vibe` command through click's runner, plus one real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

import jobs
from jobs import embedded
from tests.jobs.conftest import wait_for
from vibe.auth.models import User
from vibe.cli import main
from vibe.core import server
from vibe.core.config import get_settings
from vibe.core.db import get_engine, reset_engines

DEAD_PG = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


@pytest.fixture(autouse=True)
def stop_embedded_runner():
    embedded.shutdown()
    yield
    embedded.shutdown()


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


@pytest.mark.parametrize(
    "command", [[], ["db"], ["db", "backup"], ["db", "restore"], ["worker"], ["jobs", "watch"]]
)
def test_help_everywhere(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


@pytest.mark.parametrize(
    "command",
    [["db", "upgrade"], ["db", "backup"], ["jobs", "list"], ["user", "create-admin", "x"]],
)
def test_unreachable_database_exits_1_with_message(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIBE_DATABASE_URL", DEAD_PG)
    get_settings.cache_clear()
    reset_engines()
    result = run(*command)
    assert result.exit_code == 1
    assert "cannot connect to the database at" in result.output


def test_worker_without_redis_explains(db: str) -> None:
    result = run("worker")
    assert result.exit_code == 1 and "VIBE_REDIS_URL is not set" in result.output


def test_worker_with_unreachable_redis_exits_1(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIBE_REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    result = run("worker")
    assert result.exit_code == 1 and "cannot connect to Redis" in result.output


def test_create_admin(db: str) -> None:
    result = run("user", "create-admin", "root")
    assert result.exit_code == 0, result.output
    with Session(get_engine()) as session:
        assert session.exec(select(User).where(User.username == "root")).one().is_admin


def test_backup_and_restore_with_confirmation(db: str, tmp_path: Path) -> None:
    target = tmp_path / "b.bak"
    assert run("db", "backup", str(target)).exit_code == 0
    assert run("user", "create-admin", "later").exit_code == 0
    declined = run("db", "restore", str(target), input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert run("db", "restore", str(target), "--yes").exit_code == 0
    with Session(get_engine()) as session:
        assert session.exec(select(User)).all() == []


def test_jobs_commands(db: str) -> None:
    job_id = jobs.enqueue("fail", args={"message": "kaput"}, max_retries=0)
    wait_for(job_id, "failed")
    listed = run("jobs", "list")
    assert job_id in listed.output and "failed" in listed.output
    assert "kaput" in run("jobs", "show", job_id).output
    watched = run("jobs", "watch", job_id)
    assert watched.exit_code == 1 and "kaput" in watched.output
    assert run("jobs", "retry", job_id).exit_code == 0
    wait_for(job_id, "failed")
    assert "already failed" in run("jobs", "cancel", job_id).output
    missing = run("jobs", "show", "nope")
    assert missing.exit_code == 1 and "job not found" in missing.output


def test_jobs_watch_until_success(db: str) -> None:
    job_id = jobs.enqueue("count", args={"steps": 2})
    result = run("jobs", "watch", job_id)
    assert result.exit_code == 0 and "succeeded" in result.output


def test_real_subprocess_reports_dead_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIBE_DATABASE_URL", DEAD_PG)
    done = subprocess.run(
        [sys.executable, "-m", "vibe.cli", "db", "upgrade"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "cannot connect to the database at" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_builds_then_runs_one_uvicorn_process(
    db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With Redis, Reflex would start 2 x cores + 1 backend workers, each with its own MCP
    gateway sessions and server processes; serve builds the frontend, then serves it with the
    backend from this one process."""
    import os

    import reflex.reflex

    built: list[list[str]] = []
    served: dict[str, Any] = {}

    def fake_build(args: list[str], **_kw: object) -> None:
        built.append(args)

    def fake_run(self: server.FrozenAfterStartup) -> None:
        served.update(vars(self.config), env=dict(os.environ))

    monkeypatch.chdir(tmp_path)  # serve changes directory; restored after the test
    for name in ("VIBE_PORT", "VIBE_HOST", "REFLEX_ENV_MODE", "__REFLEX_SKIP_COMPILE"):
        monkeypatch.delenv(name, raising=False)  # serve sets them; restored after the test
    monkeypatch.delenv("__REFLEX_MOUNT_FRONTEND_COMPILED_APP", raising=False)
    monkeypatch.setenv("VIBE_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setattr(reflex.reflex.cli, "main", fake_build)
    monkeypatch.setattr(server.FrozenAfterStartup, "run", fake_run)
    result = run("serve", "--no-migrate", "--host", "127.0.0.1", "--port", "3999")
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Vibe is starting on http://127.0.0.1:3999/" in result.output
    assert built == [["export", "--frontend-only", "--no-zip", "--env", "prod"]]
    assert served["app"] == "vibe.vibe:app" and served["factory"] is True
    assert served["workers"] == 1 and not served["reload"]
    assert served["port"] == 3999 and served["env"]["VIBE_PORT"] == "3999"
    assert (served["loop"], served["http"], served["ws"]) == ("uvloop", "httptools", "wsproto")
    env = served["env"]
    assert env["REFLEX_ENV_MODE"] == "prod"
    assert env["__REFLEX_SKIP_COMPILE"] == "true"
    assert env["__REFLEX_MOUNT_FRONTEND_COMPILED_APP"] == "true"


def test_serve_stops_when_the_frontend_build_fails(
    db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import reflex.reflex

    def failed_build(*_args: object, **_kw: object) -> None:
        raise SystemExit(1)

    def never(*_args: object, **_kw: object) -> None:
        raise AssertionError("served without a frontend")

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VIBE_PORT", raising=False)
    monkeypatch.delenv("VIBE_HOST", raising=False)
    monkeypatch.setattr(reflex.reflex.cli, "main", failed_build)
    monkeypatch.setattr(server.FrozenAfterStartup, "run", never)
    result = run("serve", "--no-migrate")
    get_settings.cache_clear()
    assert result.exit_code == 1 and "could not build the frontend" in result.output
