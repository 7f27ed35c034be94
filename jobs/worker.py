"""The RQ worker behind `vibe worker`, with database heartbeats and the reaper.

We use rq's SimpleWorker (jobs run in the worker process, no fork per job): our runner already
does heartbeats, cancellation and cooperative timeouts, and not forking keeps the SQLAlchemy pool
and threads safe. Scale by running more worker processes. The worker gets its own Redis client
because rq raises the socket timeout for its blocking dequeue, and the app's shared client must
keep its short one.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import delete

from jobs.dispatch import QUEUE_NAME
from jobs.reaper import reap
from jobs.runner import set_worker_name
from vibe.core.config import get_settings
from vibe.core.db import session_scope, utcnow
from vibe.jobs.models import WorkerHeartbeat

log = logging.getLogger("vibe.jobs")

WORKER_TTL = 60  # seconds RQ keeps a silent worker registered


def beat(name: str) -> None:
    """Record that worker ``name`` is alive, then settle jobs of dead workers."""
    with session_scope() as session:
        row = session.get(WorkerHeartbeat, name) or WorkerHeartbeat(name=name)
        row.seen_at = utcnow()
        row.pid = os.getpid()
        session.add(row)
    reap()


def forget(name: str) -> None:
    with session_scope() as session:
        session.exec(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == name))  # type: ignore[call-overload]


class Heartbeat(threading.Thread):
    """Beat every ``worker_heartbeat_seconds`` until stopped; failures are logged, not fatal."""

    def __init__(self, name: str, interval: float) -> None:
        super().__init__(name="vibe-worker-heartbeat", daemon=True)
        self.worker_name = name
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                beat(self.worker_name)
            except Exception:
                log.warning("worker heartbeat failed", exc_info=True)


def run_worker(*, name: str | None = None, burst: bool = False) -> None:
    """Consume the "vibe" queue until stopped (SIGINT/SIGTERM), beating all along."""
    settings = get_settings()
    name = name or f"{socket.gethostname()}.{os.getpid()}"
    connection = Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    worker = SimpleWorker(
        [Queue(QUEUE_NAME, connection=connection)],
        connection=connection,
        name=name,
        worker_ttl=WORKER_TTL,
    )
    set_worker_name(name)
    beat(name)
    heartbeat = Heartbeat(name, settings.worker_heartbeat_seconds)
    heartbeat.start()
    try:
        worker.work(burst=burst, with_scheduler=True, logging_level=settings.log_level.upper())
    finally:
        heartbeat.stopped.set()
        heartbeat.join()
        forget(name)
        connection.close()
