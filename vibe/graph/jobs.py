"""The graph jobs: `graph.index` (re-)indexes a stored graph's root, incrementally by content hash;
`graph.findings` runs semgrep on it and replaces the stored findings.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session

from jobs.registry import Cancelled, JobContext, job
from vibe.core.config import get_settings
from vibe.core.db import session_scope
from vibe.core.errors import NotFound
from vibe.graph import service
from vibe.graph.models import GraphIndexRow

log = logging.getLogger(__name__)


@job(service.INDEX_JOB)
def index_graph(ctx: JobContext, *, index_id: int, full: bool = False) -> dict[str, Any]:
    """Index the root of graph index `index_id`; progress and cancel go through the job context.

    Only changed, added and deleted files (by content hash) and the files whose references they
    affect are re-processed, unless `full` asks for a clean rebuild. Afterwards a `graph.findings`
    scan is queued when `graph_findings_after_index` is on and semgrep is installed.
    """
    with session_scope() as session:
        row = session.get(GraphIndexRow, index_id)
        if row is None:
            raise NotFound(f"graph index {index_id} does not exist")
        outcome = service.index_root(
            row,
            session=session,
            progress=ctx.progress,
            cancel=lambda: ctx.cancelled,
            full=full,
            cancel_errors=(Cancelled,),
        )
        if not outcome.cancelled:
            _prepare_opening(row, session)
    if outcome.cancelled:
        raise Cancelled("cancelled on request")
    result = {"mode": outcome.mode, "touched": outcome.touched, **outcome.summary}
    result["findings_job"] = _queue_findings(ctx, index_id)
    return result


def _prepare_opening(row: GraphIndexRow, session: Session) -> None:
    """Have the explorer's opening view ready for the first visit; without it, that visit builds
    it (slower, nothing lost)."""
    from vibe.graph import explorer

    try:
        explorer.prepare_opening(row, session=session)
    except Exception:
        log.warning("could not prepare the explorer's opening view", exc_info=True)


def _queue_findings(ctx: JobContext, index_id: int) -> str | None:
    if not get_settings().graph_findings_after_index or not service.semgrep_available():
        return None
    from jobs import enqueue

    try:
        return enqueue(
            service.FINDINGS_JOB,
            args={"index_id": index_id},
            project_id=ctx.project_id,
            user_id=ctx.user_id,
        )
    except Exception:  # the index itself succeeded; a scan can be started by hand
        log.warning("could not queue the findings scan", exc_info=True)
        return None


@job(service.FINDINGS_JOB)
def scan_findings(ctx: JobContext, *, index_id: int) -> dict[str, Any]:
    """Run semgrep (the shipped rules) on the index's root and replace its stored findings."""
    from vibe.graph.engine.findings import SemgrepCancelledError

    with session_scope() as session:
        row = session.get(GraphIndexRow, index_id)
        if row is None:
            raise NotFound(f"graph index {index_id} does not exist")
        stop: list[BaseException] = []

        def progress(fraction: float, message: str) -> None:
            # ctx.progress raises when cancelled or past the deadline: remember it and let the
            # cancel check stop semgrep, so the subprocess is killed rather than left running.
            try:
                ctx.progress(fraction, message)
            except Exception as exc:
                stop.append(exc)

        try:
            outcome = service.scan_findings(
                row, session=session, progress=progress, cancel=lambda: bool(stop) or ctx.cancelled
            )
        except SemgrepCancelledError:
            if stop:
                raise stop[0] from None
            raise Cancelled("cancelled on request") from None
        _prepare_opening(row, session)
    return {
        "findings": outcome.findings,
        "scanned": outcome.scanned,
        "errors": outcome.errors,
        "seconds": round(outcome.seconds, 2),
        **outcome.summary,
    }
