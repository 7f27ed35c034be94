"""Views of a project's graph as Cytoscape elements, each within an element budget.

The explorer draws one view at a time: the module (or package) overview with some modules
expanded into their definitions, the neighbourhood of a symbol, a shortest path, an impact set,
the external dependencies and the static-analysis findings. Every view is built from the loaded
networkx graph (``vibe.graph.query``), filtered, and cut to at most ``budget`` elements (nodes +
edges) so the browser never gets more than it can draw. Attributes the loaded graph lacks
(coverage, severity, versions) are read for the view's own nodes only.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from vibe.core.errors import ValidationFailed
from vibe.graph import query

MAX_BUDGET = 5000
VIEWS = ("overview", "neighbourhood", "path", "impact", "dependencies", "findings")
LEVELS = ("auto", "module", "package")
AUTO_MODULE_LIMIT = 1500  # above this many modules the overview starts at package level
DEF_KINDS = frozenset({"class", "function", "method"})
CODE_KINDS = frozenset({"file", "module", *DEF_KINDS})
USE_KINDS = frozenset({"depends_on", "imports", "calls", "instantiates", "references", "inherits"})
SEVERITIES = ("error", "warning", "info")

AttrsOf = Callable[[Iterable[str]], dict[str, dict[str, Any]]]


def no_attrs(ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    return {}


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the view to; empty means everything."""

    node_kinds: frozenset[str] = frozenset()
    edge_kinds: frozenset[str] = frozenset()
    language: str = ""
    folder: str = ""
    min_confidence: float = 0.0
    severities: frozenset[str] = frozenset()
    coverage_min: float = 0.0
    coverage_max: float = 100.0

    def node_ok(self, data: dict[str, Any]) -> bool:
        if self.language and data.get("language") not in ("", None, self.language):
            return False
        folder = self.folder.strip("/")
        return not folder or not data.get("file") or _inside(data["file"], folder)

    def edge_ok(self, kind: str, confidence: float) -> bool:
        wanted = not self.edge_kinds or kind in self.edge_kinds
        return wanted and (confidence or 0.0) >= self.min_confidence

    @property
    def coverage_filtered(self) -> bool:
        return self.coverage_min > 0.0 or self.coverage_max < 100.0


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")


@dataclass
class View:
    """Elements being assembled: nodes in priority order, edges keyed by (source, target)."""

    name: str
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def add_node(self, g: nx.MultiDiGraph, node_id: str, **data: Any) -> None:
        if node_id not in self.nodes:
            self.nodes[node_id] = {**element_data(g, node_id), **data}
        else:
            self.nodes[node_id].update(data)

    def add_edge(self, source: str, target: str, kind: str, confidence: float = 1.0) -> None:
        edge = self.edges.setdefault(
            (source, target), {"kinds": Counter(), "confidence": 0.0, "weight": 0}
        )
        edge["kinds"][kind] += 1
        edge["weight"] += 1
        edge["confidence"] = max(edge["confidence"], confidence or 0.0)


def element_data(g: nx.MultiDiGraph, node_id: str) -> dict[str, Any]:
    d = g.nodes[node_id]
    dotted = d.get("kind") in ("module", "directory") and d.get("qname")
    return {
        "id": node_id,
        "label": dotted or d.get("name") or d.get("qname") or d.get("kind"),
        "kind": d.get("kind", ""),
        "qname": d.get("qname", ""),
        "file": d.get("file", ""),
        "line": d.get("start_line") or 0,
        "language": d.get("language", ""),
    }


# -- the tree the overview expands: package → module → class → method ---------------------------
def tree(g: nx.MultiDiGraph) -> dict[str, Any]:
    """Parents by `defines`, each file's module and each folder's node; cached on the graph."""
    cached = g.graph.get("_vibe_tree")
    if cached is not None:
        return cached
    parent: dict[str, str] = {}
    module_of_file: dict[str, str] = {}
    folders: dict[str, str] = {}
    for node_id, d in g.nodes(data=True):
        if d["kind"] == "module" and d["file"]:
            module_of_file.setdefault(d["file"], node_id)
        elif d["kind"] == "directory":
            folders[d["qname"]] = node_id
        elif d["kind"] == "repository":
            folders.setdefault("", node_id)
    for s, t, k in g.edges(keys=True):
        if k == "defines" and g.nodes[t]["kind"] in DEF_KINDS:
            parent[t] = s
    result = {"parent": parent, "module_of_file": module_of_file, "folders": folders}
    g.graph["_vibe_tree"] = result
    return result


def resolve_level(g: nx.MultiDiGraph, level: str) -> str:
    if level not in LEVELS:
        raise ValidationFailed(f"level must be one of {', '.join(LEVELS)}")
    if level != "auto":
        return level
    modules = len(tree(g)["module_of_file"])
    return "module" if modules <= AUTO_MODULE_LIMIT else "package"


def chain(g: nx.MultiDiGraph, node_id: str, level: str) -> list[str]:
    """The overview's path down to a code node: [package,] module, class..., node."""
    t, d = tree(g), g.nodes[node_id]
    if d["kind"] not in CODE_KINDS or not d["file"]:
        return []
    path = [node_id]
    while path[-1] in t["parent"]:
        path.append(t["parent"][path[-1]])
    module = t["module_of_file"].get(d["file"])
    if d["kind"] == "file" or path[-1] != module:
        path = [module] if module else [node_id]
    path.reverse()
    if level == "package":
        folder = d["file"].rpartition("/")[0]
        path.insert(0, t["folders"].get(folder) or t["folders"].get("") or f"folder:{folder}")
    return path


def representative(path: list[str], expanded: frozenset[str]) -> str:
    rep = path[0]
    for here, below in itertools.pairwise(path):
        if here not in expanded:
            break
        rep = below
    return rep


def reveal(g: nx.MultiDiGraph, node_id: str, *, level: str = "auto") -> list[str]:
    """What to expand in the overview so that `node_id` is drawn."""
    query._require(g, node_id)
    return chain(g, node_id, resolve_level(g, level))[:-1]


# -- views ---------------------------------------------------------------------------------------
def overview(
    g: nx.MultiDiGraph, *, level: str = "auto", expanded: Iterable[str] = (), filters: Filters
) -> View:
    """Modules (or packages) with aggregated edges; expanded ones show their definitions."""
    level = resolve_level(g, level)
    opened = frozenset(expanded)
    view, reps, sizes = View("overview", extra={"level": level}), {}, Counter()
    for node_id, d in g.nodes(data=True):
        if d["kind"] in CODE_KINDS and filters.node_ok(d):
            path = chain(g, node_id, level)
            if path:
                reps[node_id] = rep = representative(path, opened)
                sizes[rep] += 1
                if rep != path[0]:
                    _add_parents(view, g, path, rep)
    for rep, size in sorted(sizes.items(), key=lambda item: -item[1]):
        _add_group(view, g, rep, size=size, expanded=rep in opened)
    for s, t, k, d in g.edges(keys=True, data=True):
        a, b = reps.get(s), reps.get(t)
        if not a or not b or a == b or k in query.STRUCTURE_KINDS:
            continue
        if filters.edge_ok(k, d.get("confidence", 1.0)):
            view.add_edge(a, b, k, d.get("confidence", 1.0))
    return view


def _add_parents(view: View, g: nx.MultiDiGraph, path: list[str], rep: str) -> None:
    """Expanded ancestors stay drawn, linked to what they define (no compound nodes)."""
    for above, below in itertools.pairwise(path):
        _add_group(view, g, above, size=0, expanded=True)
        view.add_edge(above, below, "defines")
        if below == rep:
            break


def _add_group(view: View, g: nx.MultiDiGraph, node_id: str, *, size: int, expanded: bool) -> None:
    if node_id in g:
        view.add_node(g, node_id, expanded=expanded)
    else:  # a folder without a directory node (files at the root of the repository)
        label = node_id.removeprefix("folder:") or "."
        view.nodes.setdefault(node_id, {"id": node_id, "label": label, "kind": "directory"})
        view.nodes[node_id]["expanded"] = expanded
    node = view.nodes[node_id]
    node["size"] = node.get("size", 0) + size
    node["expandable"] = node["kind"] in ("directory", "repository", "module", "class")


def neighbourhood(g: nx.MultiDiGraph, node_id: str, *, depth: int, budget: int) -> View:
    """The nodes around one symbol, nearest first, within the budget."""
    found = query.subgraph(g, node_id, depth=depth, budget=budget)
    view = View("neighbourhood", extra={"center": node_id})
    view.add_node(g, node_id, role="center")
    for n in found["nodes"]:
        view.add_node(g, n["id"])
    for e in found["edges"]:
        view.add_edge(e["source"], e["target"], e["kind"], e["confidence"])
    view.extra["cut"] = found["truncated"]
    return view


def path(g: nx.MultiDiGraph, source: str, target: str, *, filters: Filters) -> View:
    """The shortest path between two nodes, directed when one exists."""
    found = query.shortest_path(g, source, target, kinds=filters.edge_kinds or None)
    view = View("path", extra={"directed": found["directed"]})
    for n in found["nodes"]:
        role = {source: "source", target: "target"}.get(n["id"], "path")
        view.add_node(g, n["id"], role=role)
    for e in found["edges"]:
        view.add_edge(e["source"], e["target"], e["kind"], e["confidence"])
    return view


def impact(g: nx.MultiDiGraph, node_id: str, *, depth: int, budget: int) -> View:
    """What may break if `node_id` changes, with the edges that carry the impact."""
    found = query.impact(g, node_id, depth=depth, limit=min(query.MAX_RESULTS, budget // 2))
    view = View("impact", extra={"center": node_id, "cut": found["truncated"]})
    view.add_node(g, node_id, role="center", depth=0)
    for n in found["nodes"]:
        view.add_node(g, n["id"], depth=n["depth"])
    for s, t, k, d in g.subgraph(view.nodes).edges(keys=True, data=True):
        if k in query.IMPACT_KINDS:
            view.add_edge(s, t, k, d.get("confidence", 1.0))
    return view


def dependencies(g: nx.MultiDiGraph, *, include_stdlib: bool, attrs_of: AttrsOf) -> View:
    """External packages (with versions) and the modules that use them."""
    packages = [n for n, d in g.nodes(data=True) if d["kind"] == "external_package"]
    info = attrs_of(packages)
    wanted = {p for p in packages if include_stdlib or not info.get(p, {}).get("stdlib")}
    owner = {t: s for s, t, k in g.edges(keys=True) if k == "defines" and s in wanted}
    owner.update({p: p for p in wanted})
    modules = tree(g)["module_of_file"]
    view = View("dependencies")
    for s, t, k, d in g.edges(keys=True, data=True):
        package = owner.get(t)
        user = modules.get(g.nodes[s]["file"]) if g.nodes[s]["kind"] in CODE_KINDS else None
        if package and user and k in USE_KINDS:
            view.add_node(g, package, version=_version(info.get(package, {})))
            view.add_node(g, user)
            view.add_edge(user, package, "depends_on", d.get("confidence", 1.0))
    users = Counter(target for _, target in view.edges)
    for package, count in users.items():
        view.nodes[package]["size"] = count
    return view


def _version(attrs: dict[str, Any]) -> str:
    return str(attrs.get("version") or attrs.get("constraint") or "")


def findings(g: nx.MultiDiGraph, *, filters: Filters, attrs_of: AttrsOf) -> View:
    """Static-analysis findings, coloured by severity, with the code they were found in."""
    ids = [n for n, d in g.nodes(data=True) if d["kind"] == "finding" and filters.node_ok(d)]
    info = attrs_of(ids)
    view = View("findings")
    for finding in ids:
        a = info.get(finding, {})
        severity = str(a.get("severity") or "info")
        if filters.severities and severity not in filters.severities:
            continue
        view.add_node(g, finding, severity=severity, message=str(a.get("message", ""))[:300])
        for owner in g.predecessors(finding):
            view.add_node(g, owner)
            view.add_edge(owner, finding, "has_finding")
    return view


def build(
    g: nx.MultiDiGraph,
    name: str,
    *,
    params: dict[str, Any],
    filters: Filters,
    attrs_of: AttrsOf = no_attrs,
    budget: int = MAX_BUDGET,
) -> dict[str, Any]:
    """One view as a Cytoscape payload: `{"elements": {"nodes", "edges"}, ...}`."""
    if not 1 <= budget <= MAX_BUDGET:
        raise ValidationFailed(f"budget must be between 1 and {MAX_BUDGET}")
    view = _build(g, name, params, filters, attrs_of, budget)
    _decorate(view, filters, attrs_of)
    return payload(view, budget)


def _build(
    g: nx.MultiDiGraph,
    name: str,
    params: dict[str, Any],
    filters: Filters,
    attrs_of: AttrsOf,
    budget: int,
) -> View:
    depth = int(params.get("depth") or 2)
    if name == "overview":
        expanded = params.get("expanded") or ()
        return overview(g, level=params.get("level") or "auto", expanded=expanded, filters=filters)
    if name in ("neighbourhood", "impact", "path"):
        return _focused(g, name, params, filters, depth, budget)
    if name == "dependencies":
        return dependencies(g, include_stdlib=bool(params.get("stdlib")), attrs_of=attrs_of)
    if name == "findings":
        return findings(g, filters=filters, attrs_of=attrs_of)
    raise ValidationFailed(f"unknown view {name!r}; choose one of {', '.join(VIEWS)}")


def _focused(
    g: nx.MultiDiGraph, name: str, params: dict[str, Any], filters: Filters, depth: int, budget: int
) -> View:
    if name == "path":
        source, target = params.get("source"), params.get("target")
        if not source or not target:
            raise ValidationFailed("choose both ends of the path")
        return path(g, source, target, filters=filters)
    node = params.get("node")
    if not node:
        raise ValidationFailed(f"the {name} view needs a node")
    if name == "impact":
        return impact(g, node, depth=depth, budget=budget)
    view = neighbourhood(g, node, depth=depth, budget=budget)
    _filter_focused(view, filters)
    return view


def _filter_focused(view: View, filters: Filters) -> None:
    keep = {
        n
        for n, d in view.nodes.items()
        if d.get("role") == "center"
        or ((not filters.node_kinds or d["kind"] in filters.node_kinds) and filters.node_ok(d))
    }
    view.nodes = {n: d for n, d in view.nodes.items() if n in keep}
    view.edges = {
        key: e
        for key, e in view.edges.items()
        if key[0] in keep and key[1] in keep and _edge_passes(e, filters)
    }


def _edge_passes(edge: dict[str, Any], filters: Filters) -> bool:
    return any(filters.edge_ok(k, edge["confidence"]) for k in edge["kinds"])


def _decorate(view: View, filters: Filters, attrs_of: AttrsOf) -> None:
    """Coverage on code nodes (and the coverage and kind filters, which need it)."""
    code = [n for n, d in view.nodes.items() if d.get("kind") in CODE_KINDS]
    info = attrs_of(code) if code else {}
    for node_id in code:
        numbers = info.get(node_id, {}).get("coverage")
        if isinstance(numbers, dict) and "percent" in numbers:
            view.nodes[node_id]["coverage"] = float(numbers["percent"])
    view.extra["has_coverage"] = any("coverage" in d for d in view.nodes.values())
    if view.name == "overview" and (filters.node_kinds or filters.coverage_filtered):
        keep = {n for n, d in view.nodes.items() if _node_passes(d, filters)}
        view.nodes = {n: d for n, d in view.nodes.items() if n in keep}
        view.edges = {k: e for k, e in view.edges.items() if k[0] in keep and k[1] in keep}
    elif filters.coverage_filtered:
        view.nodes = {n: d for n, d in view.nodes.items() if _covered(d, filters) is not False}


def _node_passes(data: dict[str, Any], filters: Filters) -> bool:
    if filters.node_kinds and data["kind"] not in filters.node_kinds and not data.get("expanded"):
        return False
    return _covered(data, filters) is not False


def _covered(data: dict[str, Any], filters: Filters) -> bool | None:
    if not filters.coverage_filtered or data.get("kind") not in CODE_KINDS:
        return None
    percent = data.get("coverage")
    return percent is not None and filters.coverage_min <= percent <= filters.coverage_max


def payload(view: View, budget: int) -> dict[str, Any]:
    """Cut to the budget (nodes first, then the heaviest edges) and shape for Cytoscape."""
    nodes = list(view.nodes.values())[:budget]
    kept = {n["id"] for n in nodes}
    edges = [(key, e) for key, e in view.edges.items() if key[0] in kept and key[1] in kept]
    edges.sort(key=lambda item: -item[1]["weight"])
    room = max(0, budget - len(nodes))
    cut = len(nodes) < len(view.nodes) or len(edges) > room or bool(view.extra.pop("cut", False))
    return {
        "view": view.name,
        "elements": {
            "nodes": [{"data": n} for n in nodes],
            "edges": [{"data": _edge_data(key, e)} for key, e in edges[:room]],
        },
        "counts": {"nodes": len(nodes), "edges": min(len(edges), room)},
        "truncated": cut,
        **view.extra,
    }


def _edge_data(key: tuple[str, str], edge: dict[str, Any]) -> dict[str, Any]:
    kinds: Counter = edge["kinds"]
    main = kinds.most_common(1)[0][0]
    detail = ", ".join(f"{k} ×{n}" for k, n in sorted(kinds.items()))
    return {
        "id": f"{key[0]}>{key[1]}",
        "source": key[0],
        "target": key[1],
        "kind": main,
        "kinds": detail,
        "weight": edge["weight"],
        "confidence": round(edge["confidence"], 3),
    }


def to_networkx(view_payload: dict[str, Any]) -> nx.MultiDiGraph:
    """A drawn view as a graph again, for the GraphML and GEXF exports of the view."""
    out = nx.MultiDiGraph()
    for node in view_payload["elements"]["nodes"]:
        data = dict(node["data"])
        out.add_node(data.pop("id"), **data)
    for edge in view_payload["elements"]["edges"]:
        data = dict(edge["data"])
        source, target = data.pop("source"), data.pop("target")
        out.add_edge(source, target, key=data["kind"], **data)
    return out


# -- one node, for the details panel -----------------------------------------------------------
def related(g: nx.MultiDiGraph, node_id: str, *, limit: int = 25) -> dict[str, Any]:
    """Callers, callees and findings of a node and the package it lives in."""
    callers = query.callers(g, node_id, limit=limit)["nodes"]
    callees = query.callees(g, node_id, limit=limit)["nodes"]
    found = [t for _, t, k in g.out_edges(node_id, keys=True) if k == "has_finding"]
    return {
        "callers": callers,
        "callees": callees,
        "findings": [query.node_summary(g, f) for f in found[:limit]],
        "package": package_of(g, node_id),
    }


def package_of(g: nx.MultiDiGraph, node_id: str) -> str:
    """The dotted package a code node belongs to, or an external symbol's package."""
    d = g.nodes[node_id]
    if d["kind"] in ("external_package", "external_symbol"):
        owner = [s for s, _, k in g.in_edges(node_id, keys=True) if k == "defines"]
        return g.nodes[owner[0]]["qname"] if owner else d["qname"].split(".")[0]
    module = tree(g)["module_of_file"].get(d.get("file") or "")
    qname = g.nodes[module]["qname"] if module else d.get("qname", "")
    return qname.rpartition(".")[0] if module and not _is_package(g, module) else qname


def _is_package(g: nx.MultiDiGraph, module: str) -> bool:
    return str(g.nodes[module].get("file", "")).endswith("__init__.py")


def group_sizes(g: nx.MultiDiGraph) -> dict[str, int]:
    """Node counts by kind, for the legend."""
    counts: dict[str, int] = defaultdict(int)
    for _, d in g.nodes(data=True):
        counts[d["kind"]] += 1
    return dict(counts)
