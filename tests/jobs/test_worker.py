"""The Redis path: a real `vibe worker` process consuming the real Redis queue."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

import jobs
from jobs.reaper import reap
from tests.jobs.conftest import load, wait_for, wait_until
from vibe.core.config import get_settings
from vibe.core.db import get_engine
from vibe.core.errors import ServiceUnavailable
from vibe.core.redis import reset_clients
from vibe.jobs.models import WorkerHeartbeat

pytestmark = pytest.mark.redis


def _heartbeat_names() -> set[str]:
    with Session(get_engine()) as session:
        return {row.name for row in session.exec(select(WorkerHeartbeat)).all()}


def _stop(proc: subprocess.Popen) -> None:
    """Stop the worker's whole process group (rq's scheduler runs as a child process)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # leftovers such as the scheduler


@pytest.fixture
def start_worker(
    db: str, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], subprocess.Popen]]:
    """Start `vibe worker NAME` processes (1 s heartbeats), ready once they beat; all stopped."""
    monkeypatch.setenv("VIBE_WORKER_HEARTBEAT_SECONDS", "1")
    monkeypatch.setenv("VIBE_JOB_RETRY_BACKOFF_SECONDS", "0")
    get_settings.cache_clear()
    started: list[subprocess.Popen] = []

    def start(name: str) -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "vibe.cli", "worker", "--name", name],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(proc)
        wait_until(lambda: name in _heartbeat_names() or proc.poll() is not None, f"worker {name}")
        assert proc.poll() is None, (tmp_path / f"{name}.log").read_text()
        return proc

    yield start
    for proc in started:
        _stop(proc)


def test_worker_runs_a_job_and_beats(start_worker) -> None:
    start_worker("w1")
    job_id = jobs.enqueue("count", args={"steps": 3})
    job = wait_for(job_id, "succeeded")
    assert job.result == {"counted": 3}
    assert job.worker == "w1"


def test_worker_retries_and_marks_failure(start_worker) -> None:
    start_worker("w1")
    job_id = jobs.enqueue("fail", args={"message": "nope"}, max_retries=1)
    job = wait_for(job_id, "failed")
    assert job.attempts == 2 and "RuntimeError: nope" in job.error


def test_cancel_running_job_in_worker(start_worker, tmp_path: Path) -> None:
    from vibe.core.db import session_scope
    from vibe.jobs import service

    start_worker("w1")
    job_id = jobs.enqueue("count", args={"steps": 2, "gate": str(tmp_path / "never")})
    wait_for(job_id, "running")
    with session_scope() as session:
        service.cancel_job(job_id, session=session, user=None)
    assert wait_for(job_id, "cancelled").finished_at is not None


def test_killed_worker_job_is_requeued_and_finished_by_another(
    start_worker, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    doomed = start_worker("doomed")
    job_id = jobs.enqueue("count", args={"steps": 1, "gate": str(gate)}, max_retries=1)
    wait_for(job_id, "running")
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait()
    gate.touch()
    start_worker("rescuer")  # its reaper notices the silent job after three missed beats
    job = wait_for(job_id, "succeeded", timeout=30)
    assert job.attempts == 2 and job.worker == "rescuer"


def test_killed_worker_job_without_retries_is_failed(start_worker, tmp_path: Path) -> None:
    doomed = start_worker("doomed")
    job_id = jobs.enqueue("count", args={"steps": 1, "gate": str(tmp_path / "g")}, max_retries=0)
    wait_for(job_id, "running")
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait()
    wait_until(lambda: reap().get(job_id) == "failed", "the reaper to fail the job", 30)
    assert "worker lost" in load(job_id).error


def test_unreachable_redis_fails_fast_and_marks_the_job(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIBE_REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    reset_clients()
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="job queue unavailable"):
        jobs.enqueue("count", args={"steps": 1})
    assert time.monotonic() - started < 10
    with Session(get_engine()) as session:
        from vibe.jobs.models import Job

        (job,) = session.exec(select(Job)).all()
    assert job.status == "failed" and job.error.startswith("job queue unavailable")
