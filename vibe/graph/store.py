"""Persisting the engine's graph: full writes, incremental deltas, loading back, restarts.

Every row has an owner file (edges: their `file`; nodes: the file that defines them; shared
rows such as directories and external packages: ""). An update replaces the rows of the files
the engine touched (re-extracted, removed, skipped or re-resolved — which covers edges into a
changed file from other files) and diffs the shared rows, so the stored graph always equals what
a clean re-index would store. Bulk inserts use COPY on PostgreSQL and executemany on SQLite.
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
EDGE_COLS = ("index_id", "source", "target", "kind", "confidence", "resolution", "file", "line")
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


def _edge_row(index_id: int, e: Edge) -> tuple[Any, ...]:
    return (index_id, e.source, e.target, e.kind, e.confidence, e.resolution, e.file, e.line)


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
def clear(session: Session, index_id: int) -> None:
    for table in (EDGES, UNRESOLVED, NODES, FILES):
        session.execute(delete(table).where(table.c.index_id == index_id))


def save_graph(
    session: Session, row: GraphIndexRow, graph: GraphData, states: dict[str, bytes] | None = None
) -> None:
    """Replace everything stored for `row` with `graph` (and optional per-file engine state)."""
    index_id = _id(row)
    clear(session, index_id)
    bulk_insert(session, NODES, NODE_COLS, (_node_row(index_id, n) for n in graph.nodes.values()))
    bulk_insert(session, EDGES, EDGE_COLS, (_edge_row(index_id, e) for e in graph.edges))
    bulk_insert(
        session,
        UNRESOLVED,
        UNRESOLVED_COLS,
        (_unresolved_row(index_id, u) for u in graph.unresolved),
    )
    bulk_insert(session, FILES, FILE_COLS, _file_rows(index_id, graph, None, states or {}))
    _finish(session, row, graph)


def save_index(session: Session, row: GraphIndexRow, index: GraphIndex) -> GraphData:
    """Store a whole in-memory index, with the state that lets a later run be incremental."""
    graph = index.graph()
    save_graph(session, row, graph, {p: dump_state(index, p) for p in index.files})
    return graph


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
    index_id, graph, touched = _id(row), index.graph(), touched_files(report)
    if touched:
        _replace_owned_nodes(session, index_id, graph, touched)
        _replace_owned_edges(session, index_id, graph, touched)
        _delete_in(session, UNRESOLVED, index_id, "file", touched)
        fresh = (_unresolved_row(index_id, u) for u in graph.unresolved if u.file in touched)
        bulk_insert(session, UNRESOLVED, UNRESOLVED_COLS, fresh)
        _delete_in(session, FILES, index_id, "path", touched)
        states = {p: dump_state(index, p) for p in touched if p in index.files}
        bulk_insert(session, FILES, FILE_COLS, _file_rows(index_id, graph, touched, states))
        _sync_shared(session, index_id, graph)
    _finish(session, row, graph)
    return graph


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
    new = [e for e in graph.edges if e.file and (e.file in touched or _key(e) in before)]
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


def _sync_shared(session: Session, index_id: int, graph: GraphData) -> None:
    """Diff the rows no file owns (repository, directories, externals) against the new graph."""
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
            EDGES.c.index_id == index_id, EDGES.c.file == ""
        )
    ).all()
    old_e = {tuple(r[1:4]): tuple(r) for r in stored}
    new_e = {
        (e.source, e.target, e.kind): _edge_row(index_id, e) for e in graph.edges if not e.file
    }
    _delete_edge_keys(session, index_id, [k for k, r in old_e.items() if new_e.get(k) != r])
    bulk_insert(session, EDGES, EDGE_COLS, (r for k, r in new_e.items() if old_e.get(k) != r))


def _normal_node(r: Sequence[Any]) -> tuple[Any, ...]:
    return (*r[:-1], json.dumps(r[-1], sort_keys=True))


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
        data.edges += [Edge(*r) for r in session.execute(q) if wanted is None or r[1] in wanted]
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
