"""Questions asked of a loaded graph: search, neighbours, callers, paths, impact, overviews.

Everything here is a pure function over a ``networkx.MultiDiGraph`` whose nodes carry the
stored attributes (kind, qname, name, file, ...) and whose edges are keyed by edge kind. Each
answer is bounded (depth, count or element budget) so a request cannot walk a huge graph.
"""

from __future__ import annotations

import difflib
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx
from sqlalchemy import select
from sqlmodel import Session

from vibe.core.errors import NotFound, ValidationFailed
from vibe.graph.engine.model import GraphData
from vibe.graph.models import GraphEdgeRow, GraphNodeRow

CALL_KINDS = frozenset({"calls", "instantiates"})
STRUCTURE_KINDS = frozenset({"contains", "defines"})
IMPACT_KINDS = frozenset({"calls", "instantiates", "inherits", "references", "imports"})
NODE_FIELDS = ("kind", "qname", "name", "language", "file", "start_line", "end_line")
MAX_DEPTH = 10
MAX_RESULTS = 1000
FUZZY_CUTOFF = 0.6


def to_networkx(graph: GraphData) -> nx.MultiDiGraph:
    """Engine data as a networkx graph: node attributes as stored, one edge per (kind)."""
    g = nx.MultiDiGraph()
    for n in graph.nodes.values():
        g.add_node(n.id, **{f: getattr(n, f) for f in NODE_FIELDS}, attrs=dict(n.attrs))
    for e in graph.edges:
        if e.source in g and e.target in g:
            g.add_edge(e.source, e.target, key=e.kind, kind=e.kind, confidence=e.confidence,
                       resolution=e.resolution, file=e.file, line=e.line)  # fmt: skip
    return g


def load_networkx(session: Session, index_id: int) -> nx.MultiDiGraph:
    """The stored graph without docstrings and signatures (details come from the row)."""
    n, e = GraphNodeRow.__table__.c, GraphEdgeRow.__table__.c  # type: ignore[attr-defined]
    g = nx.MultiDiGraph()
    rows = session.execute(select(n.id, *(n[f] for f in NODE_FIELDS)).where(n.index_id == index_id))
    g.add_nodes_from((r[0], dict(zip(NODE_FIELDS, r[1:], strict=True))) for r in rows)
    cols = (e.source, e.target, e.kind, e.confidence, e.resolution, e.file, e.line)
    for s, t, k, c, res, f, line in session.execute(select(*cols).where(e.index_id == index_id)):
        if s in g and t in g:
            g.add_edge(s, t, key=k, kind=k, confidence=c, resolution=res, file=f, line=line)
    return g


def node_summary(g: nx.MultiDiGraph, node_id: str) -> dict[str, Any]:
    data = g.nodes[node_id]
    return {"id": node_id, **{f: data.get(f) for f in NODE_FIELDS}}


def _require(g: nx.MultiDiGraph, node_id: str) -> None:
    if node_id not in g:
        raise NotFound(f"no node {node_id!r} in this graph")


def _bounded(value: int, upper: int, name: str) -> int:
    if value < 1:
        raise ValidationFailed(f"{name} must be at least 1")
    return min(value, upper)


# -- search ---------------------------------------------------------------------------------------
def search(
    g: nx.MultiDiGraph, q: str, *, limit: int = 20, kinds: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Nodes by name, ranked exact > prefix > substring > fuzzy; dotted queries match qnames."""
    needle = q.strip().lower()
    if not needle:
        raise ValidationFailed("the search text is empty")
    wanted = set(kinds or ())
    field = "qname" if "." in needle else "name"
    scored, names = [], defaultdict(list)
    for node_id, data in g.nodes(data=True):
        if wanted and data["kind"] not in wanted:
            continue
        text = str(data.get(field) or "").lower()
        rank = _rank(text, needle)
        if rank is not None:
            scored.append((rank, 0.0, node_id))
        elif text:
            names[text].append(node_id)
    if len(scored) < limit:
        for name in difflib.get_close_matches(needle, list(names), n=limit, cutoff=FUZZY_CUTOFF):
            ratio = difflib.SequenceMatcher(None, needle, name).ratio()
            scored += [(3, -ratio, node_id) for node_id in names[name]]
    scored.sort(key=lambda s: (s[0], s[1], len(g.nodes[s[2]]["qname"]), g.nodes[s[2]]["qname"]))
    match = ("exact", "prefix", "substring", "fuzzy")
    return [{**node_summary(g, i), "match": match[r]} for r, _, i in scored[:limit]]


def _rank(text: str, needle: str) -> int | None:
    if text == needle or text.endswith("." + needle):
        return 0
    if text.startswith(needle) or ("." + needle) in text:
        return 1
    return 2 if needle in text else None


# -- neighbourhoods -------------------------------------------------------------------------------
def details(g: nx.MultiDiGraph, node_id: str) -> dict[str, Any]:
    """A node with its edge counts by kind, in and out."""
    _require(g, node_id)
    out = Counter(k for _, _, k in g.out_edges(node_id, keys=True))
    into = Counter(k for _, _, k in g.in_edges(node_id, keys=True))
    return {**node_summary(g, node_id), "out": dict(out), "in": dict(into)}


def neighbours(
    g: nx.MultiDiGraph, node_id: str, *, kind: str | None = None, direction: str = "both"
) -> list[dict[str, Any]]:
    """Adjacent nodes with the edge that links them, optionally one edge kind and direction."""
    _require(g, node_id)
    if direction not in ("in", "out", "both"):
        raise ValidationFailed("direction must be in, out or both")
    found = []
    if direction in ("out", "both"):
        found += [("out", t, k, d) for _, t, k, d in g.out_edges(node_id, keys=True, data=True)]
    if direction in ("in", "both"):
        found += [("in", s, k, d) for s, _, k, d in g.in_edges(node_id, keys=True, data=True)]
    return [
        {"direction": way, "edge": _edge_info(d), "node": node_summary(g, other)}
        for way, other, k, d in found
        if kind is None or k == kind
    ][:MAX_RESULTS]


def _edge_info(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in ("kind", "confidence", "resolution", "file", "line")}


def _walk(
    g: nx.MultiDiGraph, start: str, kinds: frozenset[str], depth: int, limit: int, reverse: bool
) -> tuple[list[tuple[str, int]], bool]:
    """Breadth-first over `kinds` edges; (node, depth) pairs and whether the limit cut it short."""
    seen, frontier, found = {start}, [start], []
    for level in range(1, depth + 1):
        nxt = []
        for node in frontier:
            edges = g.in_edges(node, keys=True) if reverse else g.out_edges(node, keys=True)
            for s, t, k in edges:
                other = s if reverse else t
                if k in kinds and other not in seen:
                    if len(found) >= limit:
                        return found, True
                    seen.add(other)
                    found.append((other, level))
                    nxt.append(other)
        frontier = nxt
    return found, False


def callers(g: nx.MultiDiGraph, node_id: str, *, depth: int = 1, limit: int = 200) -> dict:
    """Who calls (or instantiates) this node, transitively up to `depth`."""
    return _reach(g, node_id, CALL_KINDS, depth, limit, reverse=True)


def callees(g: nx.MultiDiGraph, node_id: str, *, depth: int = 1, limit: int = 200) -> dict:
    """What this node calls (or instantiates), transitively up to `depth`."""
    return _reach(g, node_id, CALL_KINDS, depth, limit, reverse=False)


def impact(g: nx.MultiDiGraph, node_id: str, *, depth: int = 3, limit: int = 200) -> dict:
    """What may break if this node changes: reverse closure over calls, imports, inheritance."""
    return _reach(g, node_id, IMPACT_KINDS, depth, limit, reverse=True)


def _reach(
    g: nx.MultiDiGraph, node_id: str, kinds: frozenset, depth: int, limit: int, *, reverse: bool
) -> dict[str, Any]:
    _require(g, node_id)
    depth = _bounded(depth, MAX_DEPTH, "depth")
    found, truncated = _walk(g, node_id, kinds, depth, _bounded(limit, MAX_RESULTS, "limit"),
                             reverse)  # fmt: skip
    nodes = [{**node_summary(g, n), "depth": d} for n, d in found]
    return {"node": node_summary(g, node_id), "nodes": nodes, "truncated": truncated}


def shortest_path(
    g: nx.MultiDiGraph, source: str, target: str, *, kinds: Iterable[str] | None = None
) -> dict[str, Any]:
    """The shortest directed path (or, failing that, undirected) between two nodes."""
    _require(g, source)
    _require(g, target)
    allowed = set(kinds or ())
    view = nx.subgraph_view(g, filter_edge=lambda s, t, k: not allowed or k in allowed)
    directed = True
    try:
        path = nx.shortest_path(view, source, target)
    except nx.NetworkXNoPath:
        directed = False
        try:
            path = nx.shortest_path(view.to_undirected(as_view=True), source, target)
        except nx.NetworkXNoPath:
            raise NotFound("no path between these nodes") from None
    edges = [_step(view, a, b) for a, b in itertools.pairwise(path)]
    return {"directed": directed, "nodes": [node_summary(g, n) for n in path], "edges": edges}


def _step(g: nx.MultiDiGraph, a: str, b: str) -> dict[str, Any]:
    data = g.get_edge_data(a, b) or g.get_edge_data(b, a)
    forward = g.has_edge(a, b)
    attrs = next(iter(data.values()))
    return {"source": a if forward else b, "target": b if forward else a, **_edge_info(attrs)}


# -- overviews and bounded subgraphs --------------------------------------------------------------
def overview(
    g: nx.MultiDiGraph, *, level: str = "module", include_external: bool = False, limit: int = 500
) -> dict[str, Any]:
    """Modules (or packages = folders) with node counts and the edges between them, by kind."""
    if level not in ("module", "package"):
        raise ValidationFailed("level must be module or package")
    group = _groups(g, level, include_external)
    sizes = Counter(group.values())
    links: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for s, t, k in g.edges(keys=True):
        a, b = group.get(s), group.get(t)
        if k not in STRUCTURE_KINDS and a is not None and b is not None and a != b:
            links[(a, b)][k] += 1
    edges = [{"source": a, "target": b, "total": sum(c.values()), "kinds": dict(c)}
             for (a, b), c in links.items()]  # fmt: skip
    edges.sort(key=lambda e: (-e["total"], e["source"], e["target"]))
    groups = [{"id": name, "nodes": n, "external": name.startswith("external:")}
              for name, n in sorted(sizes.items())]  # fmt: skip
    return {
        "level": level,
        "groups": groups,
        "edges": edges[:limit],
        "truncated": len(edges) > limit,
    }


def _groups(g: nx.MultiDiGraph, level: str, include_external: bool) -> dict[str, str]:
    modules = {d["file"]: d["qname"] for _, d in g.nodes(data=True) if d["kind"] == "module"}
    group: dict[str, str] = {}
    for node_id, d in g.nodes(data=True):
        if d["kind"] in ("file", "module", "class", "function", "method") and d["file"]:
            folder = d["file"].rpartition("/")[0] or "."
            group[node_id] = modules.get(d["file"], d["file"]) if level == "module" else folder
        elif include_external and d["kind"] == "external_package":
            group[node_id] = f"external:{d['qname']}"
    if include_external:
        for s, t, k in g.edges(keys=True):
            if k == "defines" and g.nodes[t]["kind"] == "external_symbol" and s in group:
                group[t] = group[s]
    return group


def subgraph(
    g: nx.MultiDiGraph, node_id: str, *, depth: int = 2, budget: int = 300
) -> dict[str, Any]:
    """Nodes around `node_id` (both directions, nearest first) and their edges, within a budget
    of elements (nodes + edges) that a browser can still draw."""
    _require(g, node_id)
    depth, budget = _bounded(depth, MAX_DEPTH, "depth"), _bounded(budget, 5000, "budget")
    chosen, frontier, truncated = {node_id}, [node_id], False
    used = 1
    for _ in range(depth):
        nxt = []
        for node in frontier:
            for other in sorted(set(g.successors(node)) | set(g.predecessors(node))):
                if other in chosen:
                    continue
                cost = 1 + _links(g, other, chosen)
                if used + cost > budget:
                    truncated = True
                    continue
                chosen.add(other)
                used += cost
                nxt.append(other)
        frontier = nxt
    edges = [{"source": s, "target": t, **_edge_info(d)}
             for s, t, d in g.subgraph(chosen).edges(data=True)]  # fmt: skip
    nodes = [node_summary(g, n) for n in sorted(chosen)]
    return {"center": node_id, "nodes": nodes, "edges": edges, "truncated": truncated}


def _links(g: nx.MultiDiGraph, node: str, chosen: set[str]) -> int:
    """How many edges join `node` to the already chosen nodes."""
    out = sum(len(keys) for other, keys in g.succ[node].items() if other in chosen)
    return out + sum(len(keys) for other, keys in g.pred[node].items() if other in chosen)
