"""/api/v1/projects/{project_id}/graph/...: index a project's code graph and query it.

Every route checks membership through the projects service: a project the caller is not a
member of answers 404.
"""

from __future__ import annotations

from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from pydantic import BaseModel

from vibe.auth.deps import DB, CurrentUser
from vibe.core.config import get_settings
from vibe.core.errors import TooLarge
from vibe.core.web import download
from vibe.graph import export, query, service
from vibe.projects.models import Role

router = APIRouter(prefix="/projects/{project_id}/graph", tags=["graph"])

Depth = Annotated[int, Query(ge=1, le=query.MAX_DEPTH)]
Limit = Annotated[int, Query(ge=1, le=query.MAX_RESULTS)]


def _project_graph(project_id: int, user: CurrentUser, session: DB) -> nx.MultiDiGraph:
    """The caller's project graph, loaded (and cached) once membership is checked."""
    return service.ready_graph(user, project_id, session=session)[1]


ProjectGraph = Annotated[nx.MultiDiGraph, Depends(_project_graph)]


class IndexRequest(BaseModel):
    full: bool = False


@router.post("/index", status_code=202)
def start_index(
    project_id: int, user: CurrentUser, session: DB, body: IndexRequest | None = None
) -> dict[str, str]:
    """Queue (re-)indexing of the project's workspace; incremental unless `full`."""
    full = body.full if body else False
    return {"job_id": service.start_indexing(user, project_id, session=session, full=full)}


@router.get("/status")
def status(project_id: int, user: CurrentUser, session: DB) -> dict[str, Any]:
    """Counts and state of the stored graph, and the latest indexing job."""
    return service.index_status(user, project_id, session=session)


@router.get("/search")
def search(
    g: ProjectGraph,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    kind: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[dict[str, Any]]:
    """Nodes by name: exact, then prefix, substring and fuzzy matches."""
    return query.search(g, q, limit=limit, kinds=kind)


@router.get("/nodes/{node_id}")
def node(project_id: int, node_id: str, user: CurrentUser, session: DB) -> dict[str, Any]:
    """Everything stored about one node, with its edge counts by kind."""
    row, g = service.ready_graph(user, project_id, session=session)
    return service.node_details(row, g, node_id, session=session)


@router.get("/nodes/{node_id}/neighbours")
def neighbours(
    node_id: str,
    g: ProjectGraph,
    kind: str | None = None,
    direction: str = "both",
) -> list[dict[str, Any]]:
    """Adjacent nodes, optionally one edge kind and direction (in, out, both)."""
    return query.neighbours(g, node_id, kind=kind, direction=direction)


@router.get("/nodes/{node_id}/callers")
def callers(
    node_id: str,
    g: ProjectGraph,
    depth: Depth = 1,
    limit: Limit = 200,
) -> dict[str, Any]:
    """Functions calling this node, transitively up to `depth`."""
    return query.callers(g, node_id, depth=depth, limit=limit)


@router.get("/nodes/{node_id}/callees")
def callees(
    node_id: str,
    g: ProjectGraph,
    depth: Depth = 1,
    limit: Limit = 200,
) -> dict[str, Any]:
    """What this node calls, transitively up to `depth`."""
    return query.callees(g, node_id, depth=depth, limit=limit)


@router.get("/path")
def path(
    g: ProjectGraph,
    source: str,
    target: str,
    kind: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    """The shortest path between two nodes (directed if one exists)."""
    return query.shortest_path(g, source, target, kinds=kind)


@router.get("/impact/{node_id}")
def impact(
    node_id: str,
    g: ProjectGraph,
    depth: Depth = 3,
    limit: Limit = 200,
) -> dict[str, Any]:
    """What may be affected by changing this node (reverse closure, bounded)."""
    return query.impact(g, node_id, depth=depth, limit=limit)


@router.get("/overview")
def overview(
    g: ProjectGraph,
    level: str = "module",
    external: bool = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> dict[str, Any]:
    """Modules or packages and the aggregated edges between them."""
    return query.overview(g, level=level, include_external=external, limit=limit)


@router.get("/subgraph/{node_id}")
def subgraph(
    node_id: str,
    g: ProjectGraph,
    depth: Depth = 2,
    budget: Annotated[int, Query(ge=1, le=5000)] = 300,
) -> dict[str, Any]:
    """The neighbourhood of a node within an element budget (for the explorer)."""
    return query.subgraph(g, node_id, depth=depth, budget=budget)


@router.get("/export")
def export_graph(
    request: Request, project_id: int, g: ProjectGraph, format: str = "cytoscape"
) -> Response:
    """The whole graph as cytoscape, node-link, graphml, gexf, turtle or json-ld (gzipped in
    transit: a big graph's GraphML runs to megabytes)."""
    fmt = export.get_format(format)
    return download(
        request, fmt.write(g), fmt.media_type, f"project-{project_id}-graph.{fmt.extension}"
    )


# -- findings and coverage -------------------------------------------------------------------------
@router.post("/findings/scan", status_code=202)
def start_findings(project_id: int, user: CurrentUser, session: DB) -> dict[str, str]:
    """Queue a semgrep scan (shipped rules) replacing the stored findings; 503 without semgrep."""
    return {"job_id": service.start_findings(user, project_id, session=session)}


@router.get("/findings")
def findings(
    project_id: int,
    user: CurrentUser,
    session: DB,
    severity: str | None = None,
    rule: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> dict[str, Any]:
    """Stored findings (rule, severity, message, file, lines, attached node) and a summary."""
    return service.project_findings(
        user, project_id, session=session, severity=severity, rule=rule, limit=limit
    )


@router.post("/coverage")
def upload_coverage(
    project_id: int, user: CurrentUser, session: DB, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    """Import a coverage report (multipart field `file`: coverage.py JSON, Cobertura XML or
    lcov, detected from the content), replacing the previous import; answers its summary."""
    service.project_index(user, project_id, session=session, need=Role.editor)  # 404 first
    limit = get_settings().graph_coverage_max_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"the coverage report is larger than {limit:,} bytes")
    return service.import_coverage(
        user, project_id, data, session=session, filename=file.filename or ""
    )


@router.get("/coverage")
def coverage(project_id: int, user: CurrentUser, session: DB) -> dict[str, Any]:
    """Summary of the last coverage import: totals, per-file numbers, tests, unmatched paths."""
    return service.coverage_summary(user, project_id, session=session)
