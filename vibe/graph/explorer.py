"""The explorer's service: a project's views and node details, membership-checked.

Used by the views API (which the Cytoscape component fetches) and by the explorer page's state
(search, details, indexing); no Reflex here.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import networkx as nx
from sqlalchemy import select
from sqlmodel import Session

from vibe.auth.models import User
from vibe.core.errors import ValidationFailed
from vibe.graph import layouts, opening, query, service, store, views
from vibe.graph.models import GraphIndexRow
from vibe.projects.workspace import open_workspace

ATTR_CHUNK = 500
CACHED_VIEWS = 4  # built views kept per loaded graph (a new generation loads a new graph)
# The view every fresh explorer page opens with: the overview, nothing expanded or filtered (the
# views API's defaults).
OPENING_VIEW = "overview"
OPENING_PARAMS: dict[str, Any] = {
    "level": "auto",
    "node": "",
    "source": "",
    "target": "",
    "depth": 2,
    "stdlib": False,
    "expanded": [],
}

_views_lock = threading.Lock()


def attrs_loader(session: Session, index_id: int) -> views.AttrsOf:
    """Reads stored `attrs` of the given nodes (the loaded graph keeps none)."""

    def attrs_of(ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        c = store.NODES.c
        wanted = sorted(set(ids))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), ATTR_CHUNK):
            chunk = wanted[start : start + ATTR_CHUNK]
            rows = session.execute(
                select(c.id, c.attrs).where(c.index_id == index_id, c.id.in_(chunk))
            )
            found.update((node_id, attrs or {}) for node_id, attrs in rows)
        return found

    return attrs_of


def parse_filters(
    *,
    node_kinds: Iterable[str] = (),
    edge_kinds: Iterable[str] = (),
    language: str = "",
    folder: str = "",
    min_confidence: float = 0.0,
    severities: Iterable[str] = (),
    coverage_min: float = 0.0,
    coverage_max: float = 100.0,
) -> views.Filters:
    """Filters from request values, refusing nonsense with a message saying what is wrong."""
    if not 0.0 <= min_confidence <= 1.0:
        raise ValidationFailed("min_confidence must be between 0 and 1")
    if not 0.0 <= coverage_min <= coverage_max <= 100.0:
        raise ValidationFailed("the coverage range must lie within 0..100, low to high")
    unknown = set(severities) - set(views.SEVERITIES)
    if unknown:
        raise ValidationFailed(f"unknown severity {sorted(unknown)[0]!r}")
    return views.Filters(
        node_kinds=frozenset(k for k in node_kinds if k),
        edge_kinds=frozenset(k for k in edge_kinds if k),
        language=language.strip(),
        folder=folder.strip().strip("/"),
        min_confidence=min_confidence,
        severities=frozenset(severities),
        coverage_min=coverage_min,
        coverage_max=coverage_max,
    )


def project_view(
    user: User,
    project_id: int,
    name: str,
    *,
    params: dict[str, Any],
    filters: views.Filters,
    budget: int = views.MAX_BUDGET,
    session: Session,
) -> dict[str, Any]:
    """One view of the project's graph as Cytoscape elements, with the index generation and the
    stored positions of its nodes (`layout`: exact, seeded from an older generation, or none)."""
    row, g = service.ready_graph(user, project_id, session=session)
    result = _built_view(g, row.id or 0, name, params, filters, budget, session)
    return {**result, **_placed(row, name, params, result)}


def _placed(
    row: GraphIndexRow, name: str, params: dict[str, Any], result: dict[str, Any]
) -> dict[str, Any]:
    """The view's key, generation and stored positions (see `layouts`)."""
    key = "|".join(str(params.get(k) or "") for k in ("level", "node", "source", "target"))
    key = f"{name}|{key}"
    ids = (n["data"]["id"] for n in result["elements"]["nodes"])
    positions, state = layouts.read(row.id or 0, key, row.generation, ids)
    return {"generation": row.generation, "key": key, "positions": positions, "layout": state}


def opening_view(user: User, ref: str, *, session: Session) -> dict[str, Any]:
    """The opening view of the project with this slug (or id), plus its `project_id`: read from
    what the indexing job prepared, without loading the graph when that is there."""
    row = service.built_index(user, ref, session=session)
    view = _opening_of(row, session)["view"]
    placed = _placed(row, OPENING_VIEW, OPENING_PARAMS, view)
    return {**view, **placed, "project_id": row.project_id}


def prepare_opening(row: GraphIndexRow, *, session: Session) -> dict[str, Any]:
    """Build the opening view and the filter facets of `row`'s generation and store them (the
    indexing job calls this once it stored a generation, so the first visit finds them)."""
    g = service.loaded_graph(row, session=session)
    filters = parse_filters()
    view = _built_view(
        g, row.id or 0, OPENING_VIEW, OPENING_PARAMS, filters, views.MAX_BUDGET, session
    )
    found = graph_facets(g)
    opening.write(session, row, view, found)
    return {"generation": row.generation, "view": view, "facets": found}


def _opening_of(row: GraphIndexRow, session: Session) -> dict[str, Any]:
    return opening.read(session, row) or prepare_opening(row, session=session)


def _built_view(
    g: nx.MultiDiGraph,
    index_id: int,
    name: str,
    params: dict[str, Any],
    filters: views.Filters,
    budget: int,
    session: Session,
) -> dict[str, Any]:
    """`views.build`, remembered on the loaded graph: the next visitor of the same view (same
    parameters, filters and budget) gets it without building it again. Callers never mutate it."""
    key = (name, json.dumps(params, sort_keys=True, default=str), filters, budget)
    with _views_lock:
        cache = g.graph.setdefault("_vibe_views", OrderedDict())
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    attrs_of = attrs_loader(session, index_id)
    result = views.build(g, name, params=params, filters=filters, attrs_of=attrs_of, budget=budget)
    with _views_lock:
        cache[key] = result
        while len(cache) > CACHED_VIEWS:
            cache.popitem(last=False)
    return result


def save_layout(
    user: User,
    project_id: int,
    *,
    key: str,
    generation: int,
    positions: layouts.Positions,
    session: Session,
) -> dict[str, Any]:
    """Store the positions a browser computed for a view, so later visits skip the layout.

    Only nodes of the project's graph are kept; positions for an older generation than the
    stored one are ignored (a stale tab must not replace a newer layout)."""
    row, g = service.ready_graph(user, project_id, session=session)
    if generation > row.generation:
        raise ValidationFailed(f"generation {generation} does not exist yet")
    known = {i: p for i, p in positions.items() if i in g or i.startswith("folder:")}
    stored = generation == row.generation and layouts.save(row.id or 0, key, generation, known)
    return {"stored": len(known) if stored else 0}


def node_panel(user: User, project_id: int, node_id: str, *, session: Session) -> dict[str, Any]:
    """Everything the details panel shows about one node."""
    row, g = service.ready_graph(user, project_id, session=session)
    info = service.node_details(row, g, node_id, session=session)
    return {**info, **views.related(g, node_id)}


def search(
    user: User, project_id: int, text: str, *, limit: int = 10, session: Session
) -> list[dict[str, Any]]:
    """Autocomplete: nodes whose name matches, best first (see `query.search`)."""
    _, g = service.ready_graph(user, project_id, session=session)
    return query.search(g, text, limit=limit)


def reveal(user: User, project_id: int, node_id: str, *, level: str, session: Session) -> list[str]:
    """The overview nodes to expand so that `node_id` is drawn."""
    _, g = service.ready_graph(user, project_id, session=session)
    return views.reveal(g, node_id, level=level)


def explorer_status(user: User, project_id: int, *, session: Session) -> dict[str, Any]:
    """The index status plus whether the workspace has any file at all (the empty state)."""
    status = service.index_status(user, project_id, session=session)
    listing = open_workspace(project_id).tree()
    status["has_files"] = any(e.kind == "file" for e in listing.entries)
    return status


def facets(user: User, project_id: int, *, session: Session) -> dict[str, list[str]]:
    """The languages and top folders present, for the filter controls."""
    found = _opening_of(service.built_index(user, project_id, session=session), session)["facets"]
    return {k: list(v) for k, v in found.items()}  # the stored lists are shared (`opening.read`)


def graph_facets(g: nx.MultiDiGraph) -> dict[str, list[str]]:
    languages, folders = set(), set()
    for _, d in g.nodes(data=True):
        if d["kind"] == "file":
            languages.add(d["language"] or "")
            head, sep, _ = d["file"].partition("/")
            if sep:
                folders.add(head)
    return {"languages": sorted(x for x in languages if x), "folders": sorted(folders)}
