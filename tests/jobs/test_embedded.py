"""The embedded (no Redis) path: jobs run in a thread pool of this process."""

from __future__ import annotations

from pathlib import Path

import pytest

import jobs
from jobs import embedded
from jobs.reaper import reap
from jobs.runner import retry_delay
from tests.jobs.conftest import load, wait_for, wait_until
from vibe.core.config import get_settings
from vibe.core.db import session_scope, utcnow
from vibe.core.errors import ValidationFailed
from vibe.jobs import service
from vibe.jobs.models import Job


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIBE_JOB_RETRY_BACKOFF_SECONDS", "0.01")
    get_settings.cache_clear()


def test_count_job_succeeds_with_result_and_full_progress(db: str) -> None:
    job_id = jobs.enqueue("count", args={"steps": 3})
    job = wait_for(job_id, "succeeded")
    assert job.result == {"counted": 3}
    assert job.progress == 1.0
    assert job.attempts == 1
    assert job.started_at is not None and job.finished_at is not None


def test_progress_is_visible_while_running(db: str, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    job_id = jobs.enqueue("count", args={"steps": 4, "gate": str(gate)})
    wait_until(lambda: load(job_id).message == "step 1 of 4", "first progress report")
    assert load(job_id).status == "running"
    gate.touch()
    assert wait_for(job_id, "succeeded").message == "counted to 4"


def test_failure_retries_with_backoff_then_fails(db: str, fast_retries: None) -> None:
    job_id = jobs.enqueue("fail", args={"message": "boom"}, max_retries=2)
    job = wait_for(job_id, "failed")
    assert job.attempts == 3
    assert "RuntimeError: boom" in job.error


def test_retry_succeeds_after_transient_failure(db: str, fast_retries: None) -> None:
    job_id = jobs.enqueue("fail", args={"times": 1}, max_retries=1)
    job = wait_for(job_id, "succeeded")
    assert job.attempts == 2
    assert job.result == {"attempts": 2}


def test_retry_delay_doubles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIBE_JOB_RETRY_BACKOFF_SECONDS", "3")
    get_settings.cache_clear()
    assert [retry_delay(n) for n in (1, 2, 3)] == [3, 6, 12]


def test_failed_job_waits_its_backoff_then_can_be_cancelled(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIBE_JOB_RETRY_BACKOFF_SECONDS", "3600")
    get_settings.cache_clear()
    job_id = jobs.enqueue("fail", args={}, max_retries=1)
    wait_until(lambda: load(job_id).next_attempt_at is not None, "a scheduled retry")
    job = load(job_id)
    assert job.status == "queued" and job.attempts == 1
    with session_scope() as session:
        assert service.cancel_job(job_id, session=session, user=None).status == "cancelled"


def test_cancel_queued_job_is_immediate(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIBE_JOB_THREADS", "1")
    get_settings.cache_clear()
    gate = tmp_path / "gate"
    blocker = jobs.enqueue("count", args={"steps": 1, "gate": str(gate)})
    wait_for(blocker, "running")
    waiting = jobs.enqueue("count", args={"steps": 1})
    with session_scope() as session:
        assert service.cancel_job(waiting, session=session, user=None).status == "cancelled"
    gate.touch()
    wait_for(blocker, "succeeded")
    embedded.shutdown()  # the cancelled job's delivery has been processed by now
    job = load(waiting)
    assert job.status == "cancelled" and job.attempts == 0


def test_cancel_running_job_stops_at_next_check(db: str, tmp_path: Path) -> None:
    job_id = jobs.enqueue("count", args={"steps": 3, "gate": str(tmp_path / "never")})
    wait_for(job_id, "running")
    with session_scope() as session:
        assert service.cancel_job(job_id, session=session, user=None).cancel_requested
    job = wait_for(job_id, "cancelled")
    assert job.finished_at is not None


def test_manual_retry_runs_a_failed_job_again(db: str) -> None:
    job_id = jobs.enqueue("fail", args={}, max_retries=0)
    first = wait_for(job_id, "failed")
    with session_scope() as session:
        assert service.retry_job(job_id, session=session, user=None).status == "queued"
    again = wait_for(job_id, "failed")
    assert again.attempts == 1 and again.finished_at > first.finished_at


def test_manual_retry_of_cancelled_job(db: str, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    job_id = jobs.enqueue("count", args={"steps": 2, "gate": str(gate)})
    wait_for(job_id, "running")
    with session_scope() as session:
        service.cancel_job(job_id, session=session, user=None)
    wait_for(job_id, "cancelled")
    gate.touch()
    with session_scope() as session:
        service.retry_job(job_id, session=session, user=None)
    assert wait_for(job_id, "succeeded").result == {"counted": 2}


def _stale_running_row(*, max_retries: int, attempts: int = 1) -> str:
    old = utcnow().replace(year=2000)
    with session_scope() as session:
        job = Job(
            id=f"stale{max_retries}{attempts}",
            kind="count",
            args={"steps": 1},
            status="running",
            attempts=attempts,
            max_retries=max_retries,
            started_at=old,
            heartbeat_at=old,
            worker="dead-host.123",
        )
        session.add(job)
    return job.id


def test_reaper_fails_stale_job_without_retries(db: str) -> None:
    job_id = _stale_running_row(max_retries=0)
    assert reap() == {job_id: "failed"}
    job = load(job_id)
    assert job.status == "failed" and "worker lost" in job.error


def test_reaper_requeues_stale_job_with_retries_left(db: str, fast_retries: None) -> None:
    job_id = _stale_running_row(max_retries=1)
    assert reap() == {job_id: "queued"}
    assert wait_for(job_id, "succeeded").attempts == 2


def test_runner_start_reaps_and_picks_up_leftover_jobs(db: str) -> None:
    stale = _stale_running_row(max_retries=0)
    with session_scope() as session:
        session.add(Job(id="leftover", kind="count", args={"steps": 2}))
    embedded.start()
    assert load(stale).status == "failed"
    assert wait_for("leftover", "succeeded").result == {"counted": 2}


def test_unknown_kind_and_non_json_args_are_refused(db: str) -> None:
    with pytest.raises(ValidationFailed, match="unknown job kind"):
        jobs.enqueue("nope", args={})
    with pytest.raises(ValidationFailed, match="JSON"):
        jobs.enqueue("count", args={"steps": object()})
