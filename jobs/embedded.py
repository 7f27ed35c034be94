"""The in-process runner used when no Redis is configured: a small thread pool.

A laptop install runs jobs inside ``vibe serve``. On start the runner reaps jobs a previous
process left "running" and picks up jobs it left "queued"; afterwards it reaps periodically.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC

from sqlmodel import select

from vibe.core.config import get_settings
from vibe.core.db import session_scope, utcnow
from vibe.jobs.models import Job, JobStatus

log = logging.getLogger("vibe.jobs")

_lock = threading.Lock()
_runner: EmbeddedRunner | None = None


class EmbeddedRunner:
    """Threads that call ``run_job``, timers for delayed retries, and a reaper loop."""

    def __init__(self, threads: int, reap_every: float) -> None:
        self.worker = f"embedded:{threading.get_native_id()}"
        self._pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="vibe-job")
        self._timers: set[threading.Timer] = set()
        self._stopped = threading.Event()
        self._reap_every = reap_every
        self._reaper = threading.Thread(target=self._reap_loop, name="vibe-job-reaper", daemon=True)

    def start(self) -> None:
        _reap_once()
        _recover_queued(self)
        self._reaper.start()

    def submit(self, job_id: str, attempt: int, *, delay: float = 0.0) -> None:
        if self._stopped.is_set():
            return
        if delay > 0:
            timer = threading.Timer(delay, self._fire, args=(job_id, attempt))
            timer.daemon = True
            with _lock:
                self._timers.add(timer)
            timer.start()
            return
        self._pool.submit(self._run, job_id, attempt)

    def _fire(self, job_id: str, attempt: int) -> None:
        with _lock:
            self._timers.discard(threading.current_thread())  # type: ignore[arg-type]
        self.submit(job_id, attempt)

    def _run(self, job_id: str, attempt: int) -> None:
        from jobs.runner import run_job

        try:
            run_job(job_id, attempt, worker=self.worker)
        except Exception:
            log.exception("embedded job %s crashed the runner", job_id)

    def _reap_loop(self) -> None:
        while not self._stopped.wait(self._reap_every):
            _reap_once()

    def shutdown(self, wait: bool = True) -> None:
        self._stopped.set()
        with _lock:
            timers, self._timers = self._timers, set()
        for timer in timers:
            timer.cancel()
        self._pool.shutdown(wait=wait, cancel_futures=True)
        if self._reaper.is_alive():
            self._reaper.join()


def _reap_once() -> None:
    from jobs.reaper import reap

    try:
        reap()
    except Exception:  # never let housekeeping kill the runner
        log.warning("job reaper failed", exc_info=True)


def _recover_queued(runner: EmbeddedRunner) -> None:
    """Queued rows at start belong to no live runner (no Redis means this process is the queue)."""
    try:
        with session_scope() as session:
            rows = session.exec(select(Job).where(Job.status == JobStatus.queued.value)).all()
    except Exception:
        log.warning("cannot list queued jobs at start", exc_info=True)
        return
    now = utcnow()
    for job in rows:
        due = job.next_attempt_at
        if due is not None and due.tzinfo is None:
            due = due.replace(tzinfo=UTC)
        delay = max(0.0, (due - now).total_seconds()) if due else 0.0
        runner.submit(job.id, job.attempts, delay=delay)


def start() -> EmbeddedRunner:
    """The process's runner, started on first use."""
    global _runner
    with _lock:
        if _runner is not None:
            return _runner
        settings = get_settings()
        _runner = EmbeddedRunner(settings.job_threads, settings.worker_heartbeat_seconds)
    _runner.start()
    return _runner


def shutdown(wait: bool = True) -> None:
    """Stop the runner (tests, process exit); running jobs finish when ``wait``."""
    global _runner
    with _lock:
        runner, _runner = _runner, None
    if runner is not None:
        runner.shutdown(wait=wait)


def running() -> EmbeddedRunner | None:
    return _runner
