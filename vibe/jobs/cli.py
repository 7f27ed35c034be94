"""`vibe jobs …`: the operator's view of jobs (all users), with a live progress bar."""

from __future__ import annotations

import sys
import threading
from typing import NoReturn

import click

from vibe.core.db import session_scope
from vibe.core.errors import VibeError
from vibe.jobs import service
from vibe.jobs.models import Job, JobStatus

WATCH_POLL_SECONDS = 0.5


def _fail(message: str) -> NoReturn:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)


def _line(job: Job) -> str:
    pct = f"{job.progress * 100:3.0f}%"
    return f"{job.id}  {job.kind:<12} {job.status:<10} {pct}  {job.message}"


@click.group()
def jobs() -> None:
    """List, inspect, cancel, retry and watch background jobs."""


def _ensure_database() -> None:
    from vibe.cli import _ensure_database as ensure

    ensure()


@jobs.command("list")
@click.option("--status", type=click.Choice([s.value for s in JobStatus]), default=None)
@click.option("--kind", default=None, help="Only jobs of this kind.")
@click.option("--limit", default=20, show_default=True, help="How many, newest first.")
def list_command(status: str | None, kind: str | None, limit: int) -> None:
    """Show the newest jobs."""
    _ensure_database()
    with session_scope() as session:
        rows = service.list_jobs(
            session=session,
            user=None,
            status=JobStatus(status) if status else None,
            kind=kind,
            limit=limit,
        )
    if not rows:
        click.echo("no jobs")
    for job in rows:
        click.echo(_line(job))


@jobs.command("show")
@click.argument("job_id")
def show_command(job_id: str) -> None:
    """Show every field of one job."""
    job = _call(service.get_job, job_id)
    for name, value in job.model_dump().items():
        click.echo(f"{name:>16}: {value}")


@jobs.command("cancel")
@click.argument("job_id")
def cancel_command(job_id: str) -> None:
    """Cancel a queued job, or ask a running one to stop."""
    job = _call(service.cancel_job, job_id)
    if job.status == JobStatus.cancelled.value:
        click.echo(f"job {job.id} cancelled")
    else:
        click.echo(f"job {job.id} will stop at its next progress report")


@jobs.command("retry")
@click.argument("job_id")
def retry_command(job_id: str) -> None:
    """Queue a failed or cancelled job again."""
    job = _call(service.retry_job, job_id)
    click.echo(f"job {job.id} queued again")


@jobs.command("watch")
@click.argument("job_id")
def watch_command(job_id: str) -> None:
    """Show a progress bar until the job finishes; Ctrl-C stops watching, not the job."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    job = _call(service.get_job, job_id)
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn())
    try:
        with Progress(*columns, TextColumn("{task.fields[message]}")) as bar:
            task = bar.add_task(job.kind, total=1.0, message=job.message)
            while not JobStatus(job.status).finished:
                bar.update(task, completed=job.progress, message=f"{job.status} {job.message}")
                threading.Event().wait(WATCH_POLL_SECONDS)
                job = _call(service.get_job, job_id)
            bar.update(task, completed=job.progress, message=f"{job.status} {job.message}")
    except KeyboardInterrupt:
        click.echo(f"stopped watching; job {job_id} keeps running (`vibe jobs cancel {job_id}`)")
        sys.exit(130)
    _report(job)


def _report(job: Job) -> None:
    if job.status == JobStatus.succeeded.value:
        click.echo(f"job {job.id} succeeded: {job.result}")
        return
    first_line = (job.error or job.message).splitlines()[0] if (job.error or job.message) else ""
    _fail(f"job {job.id} {job.status}: {first_line}")


def _call(fn, job_id: str) -> Job:  # type: ignore[no-untyped-def]
    _ensure_database()
    try:
        with session_scope() as session:
            return fn(job_id, session=session, user=None)
    except VibeError as exc:
        _fail(exc.message)
