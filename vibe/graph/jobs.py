"""The `graph.index` job: (re-)index a stored graph's root, incrementally by content hash."""

from __future__ import annotations

from typing import Any

from jobs.registry import Cancelled, JobContext, job
from vibe.core.db import session_scope
from vibe.core.errors import NotFound
from vibe.graph import service
from vibe.graph.models import GraphIndexRow


@job(service.INDEX_JOB)
def index_graph(ctx: JobContext, *, index_id: int, full: bool = False) -> dict[str, Any]:
    """Index the root of graph index `index_id`; progress and cancel go through the job context.

    Only changed, added and deleted files (by content hash) and the files whose references they
    affect are re-processed, unless `full` asks for a clean rebuild.
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
    if outcome.cancelled:
        raise Cancelled("cancelled on request")
    return {"mode": outcome.mode, "touched": outcome.touched, **outcome.summary}
