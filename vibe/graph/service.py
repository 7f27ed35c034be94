"""The code knowledge graph as a service: index a root (full or incremental), find a project's
index (membership-checked) and answer queries over its loaded graph.

Used by the API, the ``graph.index`` job and the CLI (which passes its own SQLite session).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
from sqlmodel import Session, select

from vibe.auth.models import User
from vibe.core.db import utcnow
from vibe.core.errors import NotFound, ServiceUnavailable, ValidationFailed
from vibe.graph import extras, query, store
from vibe.graph.engine.api import summarize
from vibe.graph.engine.index import Cancel, IndexCancelled, Progress
from vibe.graph.models import GraphIndexRow, GraphNodeRow, IndexStatus
from vibe.jobs.models import Job
from vibe.projects.models import Role

INDEX_JOB = "graph.index"
FINDINGS_JOB = "graph.findings"
CACHED_GRAPHS = 4
STORE_SHARE = 0.9  # progress fraction reached when the engine is done and storing starts


@dataclass
class IndexOutcome:
    """What one indexing run did; `summary` is the engine's summary of the whole graph."""

    mode: str  # "full" | "incremental"
    touched: int
    seconds: float
    summary: dict[str, Any] = field(default_factory=dict)
    cancelled: bool = False


# -- indexing -------------------------------------------------------------------------------------
def index_root(
    row: GraphIndexRow,
    *,
    session: Session,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    full: bool = False,
    workers: int = 1,
    cancel_errors: tuple[type[BaseException], ...] = (KeyboardInterrupt,),
) -> IndexOutcome:
    """Index `row.root`, re-using the stored per-file state unless `full`; commits its status.

    The graph is written in one transaction, so readers see the old graph until it is done; a
    cancelled or failed run leaves the stored graph as it was.
    """
    started = time.perf_counter()
    _mark(row, session, IndexStatus.running, started_at=utcnow(), error="")
    try:
        outcome = _index(row, session, progress, cancel, full, workers)
    except IndexCancelled:
        session.rollback()
        _mark(row, session, IndexStatus.cancelled, finished_at=utcnow())
        return IndexOutcome("cancelled", 0, time.perf_counter() - started, cancelled=True)
    except BaseException as exc:
        session.rollback()
        status = IndexStatus.cancelled if isinstance(exc, cancel_errors) else IndexStatus.failed
        _mark(row, session, status, finished_at=utcnow(), error=str(exc)[:2000])
        raise
    outcome.seconds = time.perf_counter() - started
    _mark(row, session, IndexStatus.ready, finished_at=utcnow())
    return outcome


def _index(
    row: GraphIndexRow,
    session: Session,
    progress: Progress | None,
    cancel: Cancel | None,
    full: bool,
    workers: int,
) -> IndexOutcome:
    root = Path(row.root)
    if not root.is_dir():
        raise NotFound(f"nothing to index: {root} is not a folder")
    index = store.restore_index(session, row, root, workers=workers)
    incremental = bool(index.files or index.skipped) and not full
    if not incremental:
        index = type(index)(root, project=row.graph_project, workers=workers)
    scaled = None if progress is None else (lambda f, m: progress(f * STORE_SHARE, m))
    report = index.index_all(progress=scaled, cancel=cancel)
    if progress is not None:
        progress(STORE_SHARE, "storing the graph")
    if incremental:
        graph = store.save_update(session, row, index, report)
        touched = len(store.touched_files(report))
    else:
        graph = store.save_index(session, row, index)
        touched = len(index.files) + len(index.skipped)
    session.commit()
    if progress is not None:
        progress(1.0, "done")
    mode = "incremental" if incremental else "full"
    return IndexOutcome(mode, touched, 0.0, summarize(graph))


def _mark(row: GraphIndexRow, session: Session, status: IndexStatus, **values: Any) -> None:
    row.status = status.value
    for key, value in values.items():
        setattr(row, key, value)
    session.add(row)
    session.commit()


def standalone_index(root: Path, *, session: Session) -> GraphIndexRow:
    """The index of a folder outside any project (the CLI), created on first use."""
    root = root.resolve()
    row = session.exec(
        select(GraphIndexRow).where(
            GraphIndexRow.project_id.is_(None),  # type: ignore[union-attr]
            GraphIndexRow.root == str(root),
        )
    ).first()
    if row is None:
        row = GraphIndexRow(graph_project=root.name, root=str(root))
        session.add(row)
        session.commit()
    return row


def latest_index(*, session: Session) -> GraphIndexRow:
    """The most recently finished index in this database (the CLI's default)."""
    row = session.exec(
        select(GraphIndexRow).order_by(GraphIndexRow.id.desc())  # type: ignore[union-attr]
    ).first()
    if row is None or row.generation == 0:
        raise NotFound("nothing indexed yet: run `vibe graph index PATH` first")
    return row


# -- projects -------------------------------------------------------------------------------------
def project_index(
    user: User, project_id: int | str, *, session: Session, need: Role = Role.viewer
) -> GraphIndexRow:
    """The project's (by id or slug) index row, created on first use; NotFound for non-members."""
    from vibe.projects import service as projects
    from vibe.projects.workspace import workspace_root

    project = projects.get_project(user, project_id, session=session, need=need).project
    row = session.exec(select(GraphIndexRow).where(GraphIndexRow.project_id == project.id)).first()
    if row is None:
        row = GraphIndexRow(
            project_id=project.id,
            graph_project=str(project.id),
            root=str(workspace_root(project.id)),  # type: ignore[arg-type]
        )
        session.add(row)
        session.flush()
    return row


def start_indexing(user: User, project_id: int, *, session: Session, full: bool = False) -> str:
    """Queue a `graph.index` job for the project (editors and owners); returns the job id."""
    import vibe.graph.jobs  # noqa: F401  (registers the job kind in this process)
    from jobs import enqueue

    row = project_index(user, project_id, session=session, need=Role.editor)
    row.status = IndexStatus.pending.value
    session.add(row)
    session.commit()
    return enqueue(
        INDEX_JOB, args={"index_id": row.id, "full": full}, project_id=project_id, user_id=user.id
    )


def index_status(user: User, project_id: int, *, session: Session) -> dict[str, Any]:
    """The stored index's counts and state, and the latest indexing job of the project."""
    row = project_index(user, project_id, session=session)
    job = session.exec(
        select(Job)
        .where(Job.project_id == project_id, Job.kind == INDEX_JOB)
        .order_by(Job.created_at.desc())  # type: ignore[attr-defined]
    ).first()
    job_info = None
    if job is not None:
        job_info = {
            k: getattr(job, k) for k in ("id", "status", "progress", "message", "error", "result")
        }
    findings_job = _latest_job(session, project_id, FINDINGS_JOB)
    return {
        **row.model_dump(exclude={"root", "graph_project", "engine_version"}),
        "job": job_info,
        "findings_job": findings_job,
    }


def ready_graph(
    user: User, project_id: int, *, session: Session
) -> tuple[GraphIndexRow, nx.MultiDiGraph]:
    """The project's index and its loaded graph; NotFound until something was indexed."""
    row = built_index(user, project_id, session=session)
    return row, loaded_graph(row, session=session)


def built_index(user: User, project_id: int | str, *, session: Session) -> GraphIndexRow:
    """The project's (by id or slug) index row; NotFound until something was indexed."""
    row = project_index(user, project_id, session=session)
    if row.generation == 0:
        raise NotFound("this project's graph has not been built yet; start indexing first")
    return row


# -- loading and node details ---------------------------------------------------------------------
_cache: OrderedDict[tuple[str, int, int], nx.MultiDiGraph] = OrderedDict()
_cache_lock = threading.Lock()
_loading: dict[tuple[str, int, int], threading.Lock] = {}


def loaded_graph(row: GraphIndexRow, *, session: Session) -> nx.MultiDiGraph:
    """The index's graph as networkx, cached per (database, index, generation).

    One load at a time per graph: an opening explorer page asks for its state and its opening
    view together, and two threads loading the same big graph at once each take about as long
    as one alone would on a machine with few cores. A cached graph is returned without waiting."""
    key = (str(session.get_bind().url), row.id or 0, row.generation)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        loading = _loading.setdefault(key, threading.Lock())
    with loading:
        with _cache_lock:
            if key in _cache:  # loaded by the thread this one waited for
                _cache.move_to_end(key)
                return _cache[key]
        graph = query.load_networkx(session, row.id or 0)
        with _cache_lock:
            _cache[key] = graph
            _loading.pop(key, None)
            while len(_cache) > CACHED_GRAPHS:
                _cache.popitem(last=False)
    return graph


def node_details(row: GraphIndexRow, g: nx.MultiDiGraph, node_id: str, *, session: Session) -> dict:
    """A node with everything stored about it (signature, docstring, attrs) and edge counts."""
    info = query.details(g, node_id)
    stored = session.get(GraphNodeRow, (row.id, node_id))
    if stored is not None:
        info.update(signature=stored.signature, docstring=stored.docstring, attrs=stored.attrs)
    return info


# -- findings and coverage ------------------------------------------------------------------------
@dataclass
class FindingsOutcome:
    """What one semgrep scan stored."""

    findings: int
    scanned: int
    errors: list[str]
    seconds: float
    summary: dict[str, Any] = field(default_factory=dict)


def semgrep_available() -> bool:
    from vibe.graph.engine.findings import SemgrepNotFoundError, find_semgrep

    try:
        find_semgrep()
    except SemgrepNotFoundError:
        return False
    return True


def require_semgrep() -> str:
    """The semgrep executable, or ServiceUnavailable saying how to install it."""
    from vibe.graph.engine.findings import SemgrepNotFoundError, find_semgrep

    try:
        return find_semgrep()
    except SemgrepNotFoundError as exc:
        raise ServiceUnavailable(str(exc)) from None


def scan_findings(
    row: GraphIndexRow,
    *,
    session: Session,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    executable: str | None = None,
) -> FindingsOutcome:
    """Run semgrep with the shipped rules on `row.root` and replace the stored findings.

    Raises ServiceUnavailable without semgrep, NotFound before the first index and the engine's
    SemgrepCancelledError when cancelled (the stored findings are then unchanged).
    """
    from vibe.graph.engine.findings import SemgrepNotFoundError
    from vibe.graph.engine.findings import scan_findings as run_scan

    started = time.perf_counter()
    if row.generation == 0:
        raise NotFound("nothing indexed yet: index the code before scanning it for findings")
    nodes = extras.code_nodes(session, row.id or 0)
    if progress is not None:
        progress(0.0, "running semgrep")
    try:
        result = run_scan(
            row.root,
            row.graph_project,
            nodes,
            executable=executable,
            progress=None if progress is None else (lambda f, m: progress(f * 0.95, m)),
            cancel=cancel,
        )
    except SemgrepNotFoundError as exc:
        raise ServiceUnavailable(str(exc)) from None
    extras.store_findings(session, row, result)
    session.commit()
    items = extras.list_findings(session, row.id or 0, limit=1_000_000)
    if progress is not None:
        progress(1.0, f"{len(result.nodes)} findings")
    return FindingsOutcome(
        len(result.nodes),
        len(result.scanned),
        result.errors[:50],
        time.perf_counter() - started,
        extras.findings_summary(items),
    )


def start_findings(user: User, project_id: int, *, session: Session) -> str:
    """Queue a `graph.findings` scan of the project (editors and owners); returns the job id."""
    import vibe.graph.jobs  # noqa: F401  (registers the job kinds in this process)
    from jobs import enqueue

    row = project_index(user, project_id, session=session, need=Role.editor)
    require_semgrep()
    if row.generation == 0:
        raise NotFound("this project's graph has not been built yet; start indexing first")
    session.commit()
    return enqueue(FINDINGS_JOB, args={"index_id": row.id}, project_id=project_id, user_id=user.id)


def project_findings(
    user: User,
    project_id: int,
    *,
    session: Session,
    severity: str | None = None,
    rule: str | None = None,
    limit: int = 1000,
) -> dict[str, Any]:
    """The project's stored findings (with the node each is attached to) and their summary."""
    row = project_index(user, project_id, session=session)
    items = extras.list_findings(session, row.id or 0, severity=severity, rule=rule, limit=limit)
    job = _latest_job(session, project_id, FINDINGS_JOB)
    return {"summary": extras.findings_summary(items), "findings": items, "job": job}


def import_coverage(
    user: User, project_id: int, data: bytes, *, session: Session, filename: str = ""
) -> dict[str, Any]:
    """Store and apply a coverage report to the project's graph (editors and owners)."""
    row = project_index(user, project_id, session=session, need=Role.editor)
    if row.generation == 0:
        raise ValidationFailed("this project's graph has not been built yet; index it first")
    summary = extras.import_coverage(session, row, data, filename=filename)
    session.commit()
    return summary


def coverage_summary(user: User, project_id: int, *, session: Session) -> dict[str, Any]:
    row = project_index(user, project_id, session=session)
    return extras.coverage_summary(session, row)


def _latest_job(session: Session, project_id: int, kind: str) -> dict[str, Any] | None:
    job = session.exec(
        select(Job)
        .where(Job.project_id == project_id, Job.kind == kind)
        .order_by(Job.created_at.desc())  # type: ignore[attr-defined]
    ).first()
    if job is None:
        return None
    return {k: getattr(job, k) for k in ("id", "status", "progress", "message", "error", "result")}
