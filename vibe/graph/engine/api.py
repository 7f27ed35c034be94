"""Entry points for callers outside the engine (CLI `vibe graph index`, jobs, storage layer)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from vibe.graph.engine.index import Cancel, GraphIndex, IndexCancelled, Progress
from vibe.graph.engine.model import GraphData

CALL_KINDS = ("calls", "instantiates")


def index_path(
    path: str | Path,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    project: str = "",
    workers: int = 1,
) -> GraphData:
    """Index every supported file under `path`; a cancelled run returns `cancelled=True`."""
    index = GraphIndex(path, project=project, workers=workers)
    try:
        index.index_all(progress=progress, cancel=cancel)
    except IndexCancelled:
        return GraphData(index.project, str(index.root), cancelled=True)
    return index.graph()


def summarize(graph: GraphData) -> dict[str, Any]:
    """Counts a person or a progress bar wants: files, nodes and edges by kind, unresolved share."""
    nodes = Counter(node.kind for node in graph.nodes.values())
    edges = Counter(edge.kind for edge in graph.edges)
    unresolved_calls = sum(1 for u in graph.unresolved if u.kind == "calls")
    resolved_calls = sum(edges[kind] for kind in CALL_KINDS)
    attempted = resolved_calls + unresolved_calls
    return {
        "files": nodes["file"],
        "nodes": dict(sorted(nodes.items())),
        "edges": dict(sorted(edges.items())),
        "unresolved": len(graph.unresolved),
        "unresolved_call_share": round(unresolved_calls / attempted, 4) if attempted else 0.0,
        "skipped": len(graph.skipped),
        "skipped_reasons": dict(Counter(s.reason.split(" (")[0] for s in graph.skipped)),
        "files_with_errors": len(graph.errors),
        "cancelled": graph.cancelled,
    }
