"""Persisting the engine's graph: full writes, incremental deltas, loading back, restarts.

Every row has an owner file (edges: their `file`; nodes: the file that defines them; shared
rows such as directories and external packages: ""). An update replaces the rows of the files
the engine touched (re-extracted, removed, skipped or re-resolved — which covers edges into a
changed file from other files) and diffs the shared rows, so the stored graph always equals what
a clean re-index would store. Bulk inserts use COPY on PostgreSQL and executemany on SQLite.

Derived rows: `depends_on` edges (module → declared external package, the version in the edge's
`attrs`) are recomputed from the whole graph on every write and diffed like the shared rows.
Findings and coverage belong to their scan or import, not to a file (see `vibe.graph.extras`):
their nodes have the owners `FINDINGS_OWNER`/`COVERAGE_OWNER`, survive re-indexing, and their
edges (`has_finding`, `covers`) are re-attached to the new graph after every write.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, select, text
from sqlmodel import Session

from vibe.graph.engine.emit import FileResolution
from vibe.graph.engine.gcpause import paused_gc
from vibe.graph.engine.index import GraphIndex, UpdateReport
from vibe.graph.engine.model import Edge, FileResult, GraphData, Node, Skipped, Unresolved
from vibe.graph.models import (
    FileStatus,
    GraphEdgeRow,
    GraphFileRow,
    GraphIndexRow,
    GraphNodeRow,
    GraphUnresolvedRow,
)

FILE_KINDS = frozenset({"file", "module", "class", "function", "method"})
FINDINGS_OWNER = "<findings>"  # owner of `finding` nodes: the last semgrep scan
COVERAGE_OWNER = "<coverage>"  # owner of `test` nodes: the last coverage import
EXTRA_OWNERS = (FINDINGS_OWNER, COVERAGE_OWNER)
EXTRA_EDGE_KINDS = frozenset({"has_finding", "covers"})  # re-attached after every write
DERIVED_EDGE_KINDS = frozenset({"depends_on"})  # recomputed from the whole graph, diffed
CHUNK = 500
NODES: Table = GraphNodeRow.__table__  # type: ignore[attr-defined,assignment]
EDGES: Table = GraphEdgeRow.__table__  # type: ignore[attr-defined,assignment]
UNRESOLVED: Table = GraphUnresolvedRow.__table__  # type: ignore[attr-defined,assignment]
FILES: Table = GraphFileRow.__table__  # type: ignore[attr-defined,assignment]
NODE_COLS = (
    "index_id",
    "id",
    "kind",
    "qname",
    "name",
    "language",
    "file",
    "owner",
    "start_line",
    "end_line",
    "signature",
    "docstring",
    "attrs",
)
EDGE_COLS = (
    "index_id",
    "source",
    "target",
    "kind",
    "confidence",
    "resolution",
    "file",
    "line",
    "attrs",
)
UNRESOLVED_COLS = ("index_id", "source", "target_text", "kind", "file", "line")
FILE_COLS = ("index_id", "path", "content_hash", "language", "status", "reason", "state")


@functools.cache
def engine_version() -> str:
    """Fingerprint of the engine's code: stored per-file state is reused only by the same engine."""
    digest = hashlib.blake2b(digest_size=8)
    for source in sorted((Path(__file__).parent / "engine").glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def owner(node: Node) -> str:
    return node.file if node.kind in FILE_KINDS else ""


def _node_row(index_id: int, n: Node) -> tuple[Any, ...]:
    attrs = json.dumps(n.attrs, sort_keys=True)
    head = (index_id, n.id, n.kind, n.qname, n.name, n.language, n.file, owner(n))
    return (*head, n.start_line, n.end_line, n.signature, n.docstring, attrs)


EdgeAttrs = dict[tuple[str, str, str], dict[str, Any]]


def _edge_row(index_id: int, e: Edge, attrs: EdgeAttrs | None = None) -> tuple[Any, ...]:
    extra = (attrs or {}).get((e.source, e.target, e.kind))
    encoded = None if extra is None else json.dumps(extra, sort_keys=True)
    return (
        index_id,
        e.source,
        e.target,
        e.kind,
        e.confidence,
        e.resolution,
        e.file,
        e.line,
        encoded,
    )


def _unresolved_row(index_id: int, u: Unresolved) -> tuple[Any, ...]:
    return (index_id, u.source, u.target_text, u.kind, u.file, u.line)


# -- bulk primitives ------------------------------------------------------------------------------
def bulk_insert(session: Session, table: Table, cols: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert many rows in the session's transaction: COPY on PostgreSQL, executemany elsewhere."""
    connection = session.connection()
    raw = connection.connection.driver_connection
    count = 0
    names = ", ".join(cols)
    if connection.dialect.name == "postgresql":
        copy_sql = f"COPY {table.name} ({names}) FROM STDIN"
        with raw.cursor() as cur, cur.copy(copy_sql) as cp:  # type: ignore[union-attr]
            for row in rows:
                cp.write_row(row)
                count += 1
        return count
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(cols))})"
    cur = raw.cursor()  # type: ignore[union-attr]
    try:
        for chunk in _chunks(rows, 5000):
            cur.executemany(sql, chunk)
            count += len(chunk)
    finally:
        cur.close()
    return count


def _chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _delete_in(
    session: Session, table: Table, index_id: int, column: str, values: Iterable
) -> None:
    for chunk in _chunks(sorted(set(values))):
        session.execute(
            delete(table).where(table.c.index_id == index_id, table.c[column].in_(chunk))
        )


def _select_in(session: Session, cols: list, index_id: int, column: Any, values: Iterable) -> list:
    rows: list = []
    index_col = column.table.c.index_id
    for chunk in _chunks(sorted(set(values))):
        query = select(*cols).where(index_col == index_id, column.in_(chunk))
        rows += session.execute(query).all()
    return rows


# -- full writes ----------------------------------------------------------------------------------
def clear(session: Session, index_id: int, *, keep_extras: bool = False) -> None:
    """Delete the stored graph; `keep_extras` keeps the finding and test nodes (re-attached)."""
    for table in (EDGES, UNRESOLVED, NODES, FILES):
        query = delete(table).where(table.c.index_id == index_id)
        if keep_extras and table is NODES:
            query = query.where(NODES.c.owner.not_in(EXTRA_OWNERS))
        session.execute(query)


def save_graph(
    session: Session,
    row: GraphIndexRow,
    graph: GraphData,
    states: dict[str, bytes] | None = None,
    edge_attrs: EdgeAttrs | None = None,
) -> None:
    """Replace the engine rows stored for `row` with `graph` (and optional per-file state).

    Findings and coverage of `row` are kept and re-attached to the new graph.
    """
    index_id = _id(row)
    clear(session, index_id, keep_extras=True)
    bulk_insert(session, NODES, NODE_COLS, (_node_row(index_id, n) for n in graph.nodes.values()))
    bulk_insert(
        session, EDGES, EDGE_COLS, (_edge_row(index_id, e, edge_attrs) for e in graph.edges)
    )
    bulk_insert(
        session,
        UNRESOLVED,
        UNRESOLVED_COLS,
        (_unresolved_row(index_id, u) for u in graph.unresolved),
    )
    bulk_insert(session, FILES, FILE_COLS, _file_rows(index_id, graph, None, states or {}))
    _finish(session, row, graph)
    _reattach_extras(session, row)


def save_index(session: Session, row: GraphIndexRow, index: GraphIndex) -> GraphData:
    """Store a whole in-memory index, with the state that lets a later run be incremental."""
    graph, attrs = with_dependencies(index)
    save_graph(session, row, graph, {p: dump_state(index, p) for p in index.files}, attrs)
    return graph


def with_dependencies(index: GraphIndex) -> tuple[GraphData, EdgeAttrs]:
    """The index's graph plus `depends_on` edges, and each such edge's `{"version": ...}`.

    Computed from the whole graph's `imports` of external packages and the manifests on disk,
    so an incremental write stores exactly what a clean re-index would.
    """
    from vibe.graph.engine.manifests import package_nodes, scan_manifests
    from vibe.graph.engine.pkgmap import depends_on_edges, edge_versions, imports_from_graph

    graph = index.graph()
    declared = scan_manifests(index.root)
    _refresh_packages(
        graph, package_nodes(index.project, [d for d in declared if d.ecosystem == "pypi"])
    )
    packages = package_nodes(index.project, declared)
    if not packages:
        return graph, {}
    edges = depends_on_edges(imports_from_graph(graph), packages)
    versions = edge_versions(edges, packages)
    by_id = {p.id: p for p in packages}
    attrs: EdgeAttrs = {}
    seen = {_key(e) for e in graph.edges}
    for edge in sorted(edges, key=_key):
        if _key(edge) in seen:
            continue
        graph.nodes.setdefault(edge.target, by_id[edge.target])
        graph.edges.append(edge)
        attrs[_key(edge)] = {"version": versions.get((edge.source, edge.target), "")}
    return graph, attrs


def _file_rows(
    index_id: int, graph: GraphData, only: set[str] | None, states: dict[str, bytes]
) -> Iterator[tuple[Any, ...]]:
    languages = {n.file: n.language for n in graph.nodes.values() if n.kind == "file"}
    for path, digest in graph.file_hashes.items():
        if only is None or path in only:
            errors = graph.errors.get(path)
            status = FileStatus.errors if errors else FileStatus.indexed
            yield (
                index_id,
                path,
                digest,
                languages.get(path, ""),
                status.value,
                "\n".join(errors or ())[:4000],
                states.get(path),
            )
    for s in graph.skipped:
        if only is None or s.path in only:
            yield (index_id, s.path, "", "", FileStatus.skipped.value, s.reason, None)


def _finish(session: Session, row: GraphIndexRow, graph: GraphData) -> None:
    row.engine_version = engine_version()
    row.generation += 1
    row.files = len(graph.file_hashes)
    row.nodes = len(graph.nodes)
    row.edges = len(graph.edges)
    row.unresolved = len(graph.unresolved)
    row.skipped = len(graph.skipped)
    session.add(row)
    session.flush()


def _id(row: GraphIndexRow) -> int:
    if row.id is None:
        raise ValueError("the index row must be flushed before storing its graph")
    return row.id


# -- incremental updates --------------------------------------------------------------------------
def touched_files(report: UpdateReport) -> set[str]:
    """Files whose rows an update replaces: re-extracted, removed, skipped and re-resolved."""
    return {*report.extracted, *report.removed, *report.resolved, *(s.path for s in report.skipped)}


def save_update(
    session: Session, row: GraphIndexRow, index: GraphIndex, report: UpdateReport
) -> GraphData:
    """Persist what one `index.update()`/`index_all()` changed; returns the new whole graph."""
    index_id, touched = _id(row), touched_files(report)
    graph, attrs = with_dependencies(index)
    if touched:
        _replace_owned_nodes(session, index_id, graph, touched)
        _replace_owned_edges(session, index_id, graph, touched)
        _delete_in(session, UNRESOLVED, index_id, "file", touched)
        fresh = (_unresolved_row(index_id, u) for u in graph.unresolved if u.file in touched)
        bulk_insert(session, UNRESOLVED, UNRESOLVED_COLS, fresh)
        _delete_in(session, FILES, index_id, "path", touched)
        states = {p: dump_state(index, p) for p in touched if p in index.files}
        bulk_insert(session, FILES, FILE_COLS, _file_rows(index_id, graph, touched, states))
    # Manifests are not indexed files: depends_on edges and package nodes may change anyway.
    _sync_shared(session, index_id, graph, attrs)
    _finish(session, row, graph)
    _reattach_extras(session, row)
    return graph


def _refresh_packages(graph: GraphData, pypi: list[Node]) -> None:
    """Package nodes as the manifests on disk declare them now.

    The engine copies a declared package's node into the resolutions of the files importing it
    and re-resolves a file only when an import maps to another package, so a version bump (or a
    same-named package becoming declared or undeclared) would leave the node as it was.
    """
    fresh = {n.id: n for n in pypi}
    for node_id, node in list(graph.nodes.items()):
        if node.kind != "external_package":
            continue
        if node_id in fresh:
            graph.nodes[node_id] = fresh[node_id]
        elif "manifests" in node.attrs:  # declared before, not any more: the bare engine node
            bare = Node(node_id, "external_package", node.qname, node.name, attrs={"stdlib": False})
            graph.nodes[node_id] = bare


def _reattach_extras(session: Session, row: GraphIndexRow) -> None:
    from vibe.graph import extras

    extras.reattach(session, row)


def _replace_owned_nodes(session: Session, index_id: int, graph: GraphData, touched: set) -> None:
    c = NODES.c
    before = {r[0] for r in _select_in(session, [c.id], index_id, c.owner, touched)}
    new = [n for n in graph.nodes.values() if owner(n) and (owner(n) in touched or n.id in before)]
    _delete_in(session, NODES, index_id, "owner", touched)
    # A node id another (untouched) file stored first, e.g. `a.py` and `a.pyi` defining `a`.
    _delete_in(session, NODES, index_id, "id", [n.id for n in new if n.id not in before])
    bulk_insert(session, NODES, NODE_COLS, (_node_row(index_id, n) for n in new))


def _replace_owned_edges(session: Session, index_id: int, graph: GraphData, touched: set) -> None:
    c = EDGES.c
    found = _select_in(session, [c.source, c.target, c.kind], index_id, c.file, touched)
    before = {tuple(r) for r in found}
    new = [
        e
        for e in graph.edges
        if e.file and e.kind not in DERIVED_EDGE_KINDS and (e.file in touched or _key(e) in before)
    ]
    # Also deletes the touched files' derived and extra edges: `_sync_shared` and
    # `_reattach_extras` store them again.
    _delete_in(session, EDGES, index_id, "file", touched)
    _delete_edge_keys(session, index_id, [_key(e) for e in new if _key(e) not in before])
    bulk_insert(session, EDGES, EDGE_COLS, (_edge_row(index_id, e) for e in new))


def _key(e: Edge) -> tuple[str, str, str]:
    return (e.source, e.target, e.kind)


def _delete_edge_keys(session: Session, index_id: int, keys: list[tuple[str, str, str]]) -> None:
    if keys:
        session.execute(
            text(
                "DELETE FROM graph_edges WHERE index_id = :i AND source = :s "
                "AND target = :t AND kind = :k"
            ),
            [{"i": index_id, "s": s, "t": t, "k": k} for s, t, k in keys],
        )


def _sync_shared(
    session: Session, index_id: int, graph: GraphData, attrs: EdgeAttrs | None = None
) -> None:
    """Diff the rows no file owns (repository, directories, externals, derived edges)."""
    stored = session.execute(
        select(*(NODES.c[k] for k in NODE_COLS)).where(
            NODES.c.index_id == index_id, NODES.c.owner == ""
        )
    ).all()
    old = {r[1]: _normal_node(r) for r in stored}
    new = {n.id: _node_row(index_id, n) for n in graph.nodes.values() if not owner(n)}
    stale = [k for k, r in old.items() if new.get(k) != r]
    _delete_in(session, NODES, index_id, "id", stale)
    bulk_insert(session, NODES, NODE_COLS, (r for k, r in new.items() if old.get(k) != r))
    stored = session.execute(
        select(*(EDGES.c[k] for k in EDGE_COLS)).where(
            EDGES.c.index_id == index_id,
            (EDGES.c.file == "") | EDGES.c.kind.in_(DERIVED_EDGE_KINDS),
            EDGES.c.kind.not_in(EXTRA_EDGE_KINDS),
        )
    ).all()
    old_e = {tuple(r[1:4]): _normal_edge(r) for r in stored}
    new_e = {
        _key(e): _edge_row(index_id, e, attrs)
        for e in graph.edges
        if (not e.file or e.kind in DERIVED_EDGE_KINDS) and e.kind not in EXTRA_EDGE_KINDS
    }
    _delete_edge_keys(session, index_id, [k for k, r in old_e.items() if new_e.get(k) != r])
    bulk_insert(session, EDGES, EDGE_COLS, (r for k, r in new_e.items() if old_e.get(k) != r))


def _normal_node(r: Sequence[Any]) -> tuple[Any, ...]:
    return (*r[:-1], json.dumps(r[-1], sort_keys=True))


def _normal_edge(r: Sequence[Any]) -> tuple[Any, ...]:
    return (*r[:-1], None if r[-1] is None else json.dumps(r[-1], sort_keys=True))


# -- engine state, for incremental runs after a restart ------------------------------------------
def dump_state(index: GraphIndex, path: str) -> bytes:
    state = (index.files[path], index.resolutions.get(path))
    return zlib.compress(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), 1)


def restore_index(session: Session, row: GraphIndexRow, root: Path, **options: Any) -> GraphIndex:
    """A GraphIndex primed with the stored per-file state (same engine) or an empty one.

    Our own rows are trusted: they are written by this code into the database it owns.
    """
    fresh = GraphIndex(root, project=row.graph_project, **options)
    if row.id is None or row.engine_version != engine_version():
        return fresh
    c = FILES.c
    rows = session.execute(
        select(c.path, c.status, c.reason, c.state).where(c.index_id == row.id)
    ).all()
    files: dict[str, FileResult] = {}
    resolutions: dict[str, FileResolution] = {}
    skipped: list[Skipped] = []
    with paused_gc():
        for path, status, reason, blob in rows:
            if status == FileStatus.skipped.value:
                skipped.append(Skipped(path, reason))
            elif blob is None:
                return fresh
            else:
                files[path], resolution = pickle.loads(zlib.decompress(blob))
                if resolution is not None:
                    resolutions[path] = resolution
        return GraphIndex.from_state(
            root, files, resolutions, skipped, project=row.graph_project, **options
        )


# -- loading back ---------------------------------------------------------------------------------
def load_graph(
    session: Session, index_id: int, *, node_ids: Iterable[str] | None = None
) -> GraphData:
    """The stored graph, or the subgraph induced by `node_ids`, as engine data."""
    row = session.get(GraphIndexRow, index_id)
    data = GraphData(row.graph_project if row else "", row.root if row else "")
    wanted = None if node_ids is None else set(node_ids)
    query = select(*(NODES.c[k] for k in NODE_COLS[1:])).where(NODES.c.index_id == index_id)
    for chunk in [None] if wanted is None else _chunks(sorted(wanted)):
        q = query if chunk is None else query.where(NODES.c.id.in_(chunk))
        for r in session.execute(q):
            data.nodes[r[0]] = Node(*r[:6], *r[7:11], attrs=dict(r[11] or {}))  # type: ignore[misc]
    query = select(*(EDGES.c[k] for k in EDGE_COLS[1:])).where(EDGES.c.index_id == index_id)
    for chunk in [None] if wanted is None else _chunks(sorted(wanted)):
        q = query if chunk is None else query.where(EDGES.c.source.in_(chunk))
        data.edges += [Edge(*r[:7]) for r in session.execute(q) if wanted is None or r[1] in wanted]
    uq = select(*(UNRESOLVED.c[k] for k in UNRESOLVED_COLS[1:])).where(
        UNRESOLVED.c.index_id == index_id
    )
    data.unresolved = [
        Unresolved(*r) for r in session.execute(uq) if wanted is None or r[0] in wanted
    ]
    _load_files(session, index_id, data)
    return data


def _load_files(session: Session, index_id: int, data: GraphData) -> None:
    c = FILES.c
    rows = session.execute(
        select(c.path, c.content_hash, c.status, c.reason).where(c.index_id == index_id)
    ).all()
    for path, digest, status, reason in sorted(rows):
        if status == FileStatus.skipped.value:
            data.skipped.append(Skipped(path, reason))
            continue
        data.file_hashes[path] = digest
        if status == FileStatus.errors.value:
            data.errors[path] = reason.split("\n")
