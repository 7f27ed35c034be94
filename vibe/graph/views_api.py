"""/api/v1/projects/{project_id}/graph/views/...: the explorer's views as Cytoscape JSON.

The Cytoscape component fetches these itself, so graph elements never pass through Reflex
state. Membership is checked by the projects service: a stranger's project answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, FiniteFloat

from vibe.auth.deps import DB, CurrentUser
from vibe.auth.models import User
from vibe.core.errors import ValidationFailed
from vibe.core.web import compressible, download
from vibe.graph import explorer, export, layouts, query, views

router = APIRouter(prefix="/projects/{project_id}/graph/views", tags=["graph explorer"])

Texts = Annotated[list[str] | None, Query()]
VIEW_EXPORTS = ("cytoscape", "graphml", "gexf")
NOT_STORED = {"Cache-Control": "private, no-store"}


def view_response(request: Request, result: dict[str, Any]) -> Response:
    """A view as JSON, gzipped when it is big and the client accepts gzip."""
    body = JSONResponse(result).body
    return compressible(request, body, "application/json", NOT_STORED)


@dataclass
class ViewQuery:
    """The query string every view route accepts."""

    level: str = "auto"
    expanded: Texts = None
    node: str = ""
    source: str = ""
    target: str = ""
    depth: Annotated[int, Query(ge=1, le=query.MAX_DEPTH)] = 2
    stdlib: bool = False
    kind: Texts = None
    edge: Texts = None
    language: str = ""
    folder: str = ""
    min_confidence: Annotated[float, Query(ge=0, le=1)] = 0.0
    severity: Texts = None
    coverage_min: Annotated[float, Query(ge=0, le=100)] = 0.0
    coverage_max: Annotated[float, Query(ge=0, le=100)] = 100.0
    budget: Annotated[int, Query(ge=1, le=views.MAX_BUDGET)] = views.MAX_BUDGET

    def params(self) -> dict[str, Any]:
        keys = ("level", "node", "source", "target", "depth", "stdlib")
        return {**{k: getattr(self, k) for k in keys}, "expanded": self.expanded or []}

    def filters(self) -> views.Filters:
        return explorer.parse_filters(
            node_kinds=self.kind or (),
            edge_kinds=self.edge or (),
            language=self.language,
            folder=self.folder,
            min_confidence=self.min_confidence,
            severities=self.severity or (),
            coverage_min=self.coverage_min,
            coverage_max=self.coverage_max,
        )


Params = Annotated[ViewQuery, Depends()]
NodeId = Annotated[str, Field(min_length=1, max_length=300)]


class LayoutIn(BaseModel):
    """Positions a browser computed for the view `key` of graph generation `generation`."""

    key: str = Field(min_length=1, max_length=1000)
    generation: int = Field(ge=1)
    positions: dict[NodeId, tuple[FiniteFloat, FiniteFloat]] = Field(
        max_length=layouts.MAX_POSITIONS
    )


def _view(user: User, project_id: int, name: str, q: ViewQuery, session: DB) -> dict[str, Any]:
    return explorer.project_view(
        user,
        project_id,
        name,
        params=q.params(),
        filters=q.filters(),
        budget=q.budget,
        session=session,
    )


@router.get("/{name}")
def view(
    request: Request, project_id: int, name: str, user: CurrentUser, session: DB, q: Params
) -> Response:
    """One view (overview, neighbourhood, path, impact, dependencies, findings) as
    `{"elements": {"nodes": [...], "edges": [...]}, "counts", "truncated", "generation"}`."""
    return view_response(request, _view(user, project_id, name, q, session))


@router.get("/-/opening")
def opening(request: Request, project_id: str, user: CurrentUser, session: DB) -> Response:
    """The view a fresh explorer page opens with (the overview, nothing filtered or expanded),
    addressed by the project's slug or id, plus `project_id`: the page's script asks for it
    while the page is still starting, before the page's state knows the project's id."""
    return view_response(request, explorer.opening_view(user, project_id, session=session))


@router.get("/{name}/export")
def export_view(
    request: Request,
    project_id: int,
    name: str,
    user: CurrentUser,
    session: DB,
    q: Params,
    format: str = "graphml",
) -> Response:
    """The drawn view as GraphML, GEXF or Cytoscape JSON (a download, gzipped in transit)."""
    if format not in VIEW_EXPORTS:
        raise ValidationFailed(f"a view exports as {', '.join(VIEW_EXPORTS)}; not {format!r}")
    fmt = export.get_format(format)
    result = _view(user, project_id, name, q, session)
    body = fmt.write(views.to_networkx(result))
    return download(request, body, fmt.media_type, f"project-{project_id}-{name}.{fmt.extension}")


@router.get("/-/nodes/{node_id}")
def node_panel(project_id: int, node_id: str, user: CurrentUser, session: DB) -> dict[str, Any]:
    """A node with its signature, docstring, callers, callees, findings and package."""
    return explorer.node_panel(user, project_id, node_id, session=session)


@router.put("/-/layout")
def save_layout(project_id: int, body: LayoutIn, user: CurrentUser, session: DB) -> dict[str, int]:
    """Share a view's computed node positions: later visits to it, from any browser, start from
    them instead of laying the view out again."""
    return explorer.save_layout(
        user,
        project_id,
        key=body.key,
        generation=body.generation,
        positions=body.positions,
        session=session,
    )
