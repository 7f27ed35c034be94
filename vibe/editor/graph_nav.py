"""Go to definition and find references for the editor, answered from the code knowledge graph.

Only resolved edges are followed (calls, instantiates, references, imports, inherits): a name
the indexer could not resolve has no definition here, rather than a guess onto a function of
the same name. The graph keeps one edge per (source, target, kind) with the line of its first
use, so a symbol used twice in one function is found through the enclosing scope's edges.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
from pydantic import BaseModel
from sqlmodel import Session

from vibe.auth.models import User
from vibe.graph import service as graph_service
from vibe.graph.models import IndexStatus

NAV_KINDS = frozenset({"calls", "instantiates", "references", "imports", "inherits"})
SCOPE_KINDS = frozenset({"module", "class", "function", "method"})
MAX_REFERENCES = 200
NOT_INDEXED = (
    "This project's code graph is not built yet, so go to definition and find references are "
    "not available. Build it from the graph page (or POST /api/v1/projects/{id}/graph/index)."
)
INDEXING = "The code graph is being built; try again when indexing is done."


class NavLocation(BaseModel):
    path: str
    line: int
    end_line: int = 0
    name: str = ""
    kind: str = ""
    qname: str = ""
    via: str = ""  # the edge kind that led here ("definition" for the symbol itself)


class NavAnswer(BaseModel):
    indexed: bool
    message: str = ""
    symbol: NavLocation | None = None
    locations: list[NavLocation] = []


def _graph(user: User, project_id: int, session: Session) -> nx.MultiDiGraph | NavAnswer:
    row = graph_service.project_index(user, project_id, session=session)
    if row.generation == 0:
        busy = row.status in (IndexStatus.running.value, IndexStatus.pending.value)
        text = INDEXING if busy and row.started_at else NOT_INDEXED.format(id=project_id)
        return NavAnswer(indexed=False, message=text)
    return graph_service.loaded_graph(row, session=session)


def definition(
    user: User, project_id: int, path: str, line: int, word: str, *, session: Session
) -> NavAnswer:
    """Where the symbol ``word`` used at ``path:line`` is defined (membership-checked)."""
    g = _graph(user, project_id, session)
    if isinstance(g, NavAnswer):
        return g
    found = [n for n in find_definitions(g, path, line, word) if g.nodes[n].get("file")]
    if not found:
        return NavAnswer(indexed=True, message=f"No definition of '{word}' in the code graph.")
    located = [_location(g, n, "definition") for n in found]
    return NavAnswer(indexed=True, symbol=located[0], locations=located)


def references(
    user: User, project_id: int, path: str, line: int, word: str, *, session: Session
) -> NavAnswer:
    """The definition of the symbol at ``path:line`` and every known place that uses it."""
    g = _graph(user, project_id, session)
    if isinstance(g, NavAnswer):
        return g
    found = find_definitions(g, path, line, word)
    if not found:
        return NavAnswer(
            indexed=True, message=f"No symbol '{word}' at this line in the code graph."
        )
    target = found[0]
    uses = find_references(g, target)
    symbol = _location(g, target, "definition")
    shown = ([symbol] if symbol.path else []) + uses
    note = "" if uses else f"No references to '{word}' in the code graph."
    return NavAnswer(indexed=True, message=note, symbol=symbol, locations=shown)


# -- pure queries over a loaded graph ------------------------------------------------------------
def find_definitions(g: nx.MultiDiGraph, path: str, line: int, word: str) -> list[str]:
    """Node ids ``word`` at ``path:line`` resolves to; the innermost scope's edges win."""
    scopes = _scopes_at(g, path, line)
    for scope in scopes:
        hits = [
            (d.get("line") != line, t)
            for _, t, k, d in g.out_edges(scope, keys=True, data=True)
            if k in NAV_KINDS and _named(g.nodes[t], word)
        ]
        if hits:
            return list(dict.fromkeys(t for _, t in sorted(hits)))
    imported = _through_imports(g, scopes, word)
    if imported:
        return imported
    return [
        n
        for n, d in g.nodes(data=True)
        if d.get("file") == path and d.get("start_line") == line and d.get("name") == word
    ]


def find_references(g: nx.MultiDiGraph, node_id: str) -> list[NavLocation]:
    """Use sites of a node: the file and line of each resolved edge pointing at it."""
    found = []
    for source, _, kind, data in g.in_edges(node_id, keys=True, data=True):
        if kind not in NAV_KINDS or not data.get("file"):
            continue
        user = g.nodes[source]
        found.append(
            NavLocation(
                path=data["file"],
                line=int(data.get("line") or user.get("start_line") or 1),
                name=str(user.get("name") or ""),
                kind=str(user.get("kind") or ""),
                qname=str(user.get("qname") or ""),
                via=kind,
            )
        )
    found.sort(key=lambda loc: (loc.path, loc.line))
    return found[:MAX_REFERENCES]


def _scopes_at(g: nx.MultiDiGraph, path: str, line: int) -> list[str]:
    """Scopes of ``path`` containing ``line``, innermost first, the module last."""
    inner: list[tuple[int, str]] = []
    module = []
    for n, d in g.nodes(data=True):
        if d.get("file") != path or d.get("kind") not in SCOPE_KINDS:
            continue
        if d["kind"] == "module":
            module.append(n)
        elif int(d.get("start_line") or 0) <= line <= int(d.get("end_line") or 0):
            inner.append((int(d["end_line"]) - int(d["start_line"]), n))
    return [n for _, n in sorted(inner)] + module


def _through_imports(g: nx.MultiDiGraph, scopes: list[str], word: str) -> list[str]:
    """``from pkg.mod import word``: the import edge points at pkg.mod; find pkg.mod.word."""
    wanted = set()
    for scope in scopes:
        for _, t, k in g.out_edges(scope, keys=True):
            if k == "imports":
                wanted.add(f"{g.nodes[t].get('qname')}.{word}")
    return [n for n, d in g.nodes(data=True) if d.get("qname") in wanted]


def _named(data: dict[str, Any], word: str) -> bool:
    if data.get("name") == word:
        return True
    return word in str(data.get("qname") or "").split(".")[-1:]


def _location(g: nx.MultiDiGraph, node_id: str, via: str) -> NavLocation:
    d = g.nodes[node_id]
    return NavLocation(
        path=str(d.get("file") or ""),
        line=int(d.get("start_line") or 1),
        end_line=int(d.get("end_line") or 0),
        name=str(d.get("name") or ""),
        kind=str(d.get("kind") or ""),
        qname=str(d.get("qname") or ""),
        via=via,
    )
