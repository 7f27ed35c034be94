"""Findings and coverage in the stored graph: owned by their scan or import, not by a file.

Model (the choice, and why):

- Findings. A semgrep scan replaces all `finding` nodes of the index (stored with the owner
  `store.FINDINGS_OWNER`, so no file update ever deletes them) and their `has_finding` edges.
  Finding ids depend on the rule, file and matched text, not on line numbers, and edges are never
  trusted across writes: after every index write (full or incremental) `reattach` recomputes the
  `has_finding` edges from the stored findings and the new graph's definitions (innermost
  function/method/class around the finding, else its module or file). A re-index therefore keeps
  findings attached to the code they are in; a finding in a file that no longer exists stays
  unattached until the next scan (which runs after every index job when semgrep is available).
- Coverage. The uploaded report itself is stored (`graph_coverage`, compressed) and re-applied
  after every index write: `attrs["coverage"]` on the file/module/class/function nodes it
  measures (the ones it set before are cleared first), `test` nodes (owner
  `store.COVERAGE_OWNER`) and `covers` edges. Re-applying rather than joining at load time keeps
  every reader (explorer, export, node details) unchanged, and a renamed or edited function gets
  the numbers the report has for it now.
"""

from __future__ import annotations

import json
import logging
import tempfile
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlmodel import Session

from vibe.core.db import utcnow
from vibe.core.errors import ValidationFailed
from vibe.graph import store
from vibe.graph.engine.coverage_ingest import (
    CoverageResult,
    coverage_numbers,
    ingest_cobertura,
    ingest_coverage_json,
    ingest_lcov,
)
from vibe.graph.engine.findings import FindingsResult, has_finding_edges
from vibe.graph.engine.model import Edge, Node
from vibe.graph.models import GraphCoverageRow, GraphIndexRow

log = logging.getLogger(__name__)
CODE_KINDS = ("file", "module", "class", "function", "method")
COVERAGE_FORMATS = ("coverage.py", "cobertura", "lcov")
NODES, EDGES = store.NODES, store.EDGES


# -- shared helpers --------------------------------------------------------------------------------
def code_nodes(session: Session, index_id: int) -> list[Node]:
    """The stored file, module and definition nodes (what findings and coverage attach to)."""
    c = NODES.c
    cols = (c.id, c.kind, c.qname, c.name, c.language, c.file, c.start_line, c.end_line)
    rows = session.execute(select(*cols).where(c.index_id == index_id, c.kind.in_(CODE_KINDS)))
    return [Node(*r) for r in rows]  # type: ignore[misc]


def _owned_nodes(session: Session, index_id: int, owner: str) -> list[Node]:
    c = NODES.c
    cols = [c[k] for k in store.NODE_COLS[1:]]
    rows = session.execute(select(*cols).where(c.index_id == index_id, c.owner == owner))
    return [Node(*r[:6], *r[7:11], attrs=dict(r[11] or {})) for r in rows]  # type: ignore[misc]


def _replace_extra(
    session: Session,
    index_id: int,
    owner: str,
    kind: str,
    nodes: Iterable[Node] | None,
    edges: Iterable[Edge],
) -> None:
    """Replace the edges of `kind` (and, unless `nodes` is None, the nodes of `owner`)."""
    session.execute(delete(EDGES).where(EDGES.c.index_id == index_id, EDGES.c.kind == kind))
    if nodes is not None:
        session.execute(delete(NODES).where(NODES.c.index_id == index_id, NODES.c.owner == owner))
        unique_nodes = {n.id: n for n in nodes}  # ids are content-derived: dedupe
        rows = (_owned_row(index_id, n, owner) for n in unique_nodes.values())
        store.bulk_insert(session, NODES, store.NODE_COLS, rows)
    unique = {store._key(e): e for e in edges}
    store.bulk_insert(
        session, EDGES, store.EDGE_COLS, (store._edge_row(index_id, e) for e in unique.values())
    )


def _owned_row(index_id: int, node: Node, owner: str) -> tuple[Any, ...]:
    row = list(store._node_row(index_id, node))
    row[store.NODE_COLS.index("owner")] = owner
    return tuple(row)


def _recount(session: Session, row: GraphIndexRow) -> None:
    index_id = store._id(row)
    row.nodes = session.execute(
        select(func.count()).select_from(NODES).where(NODES.c.index_id == index_id)
    ).scalar_one()
    row.edges = session.execute(
        select(func.count()).select_from(EDGES).where(EDGES.c.index_id == index_id)
    ).scalar_one()


def reattach(session: Session, row: GraphIndexRow) -> None:
    """After an index write: re-attach the stored findings and re-apply the stored coverage."""
    index_id = store._id(row)
    findings = _owned_nodes(session, index_id, store.FINDINGS_OWNER)
    report = session.get(GraphCoverageRow, index_id)
    if not findings and report is None:
        return
    nodes = code_nodes(session, index_id)
    if findings:
        edges = has_finding_edges(findings, nodes)
        _replace_extra(session, index_id, store.FINDINGS_OWNER, "has_finding", None, edges)
    if report is not None:
        try:
            _apply_coverage(session, row, report, nodes)
        except ValidationFailed:  # it was read at import; never fail an index because of it
            log.warning("could not re-apply the coverage report of index %s", index_id)
    _recount(session, row)
    session.add(row)
    session.flush()


# -- findings --------------------------------------------------------------------------------------
def store_findings(session: Session, row: GraphIndexRow, result: FindingsResult) -> None:
    """Replace the index's findings with a scan's; bumps the generation (caches reload)."""
    index_id = store._id(row)
    _replace_extra(
        session, index_id, store.FINDINGS_OWNER, "has_finding", result.nodes, result.edges
    )
    row.generation += 1
    _recount(session, row)
    session.add(row)
    session.flush()


def list_findings(
    session: Session,
    index_id: int,
    *,
    severity: str | None = None,
    rule: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Stored findings with the node each is attached to, ordered by file and line."""
    attached: dict[str, dict[str, Any]] = {}
    e, n = EDGES.c, NODES.c
    owners = session.execute(
        select(e.target, n.id, n.kind, n.qname)
        .join(NODES, (n.index_id == e.index_id) & (n.id == e.source))
        .where(e.index_id == index_id, e.kind == "has_finding")
    )
    for target, node_id, kind, qname in owners:
        attached[target] = {"id": node_id, "kind": kind, "qname": qname}
    found = []
    for node in _owned_nodes(session, index_id, store.FINDINGS_OWNER):
        a = node.attrs
        if (severity and a.get("severity") != severity) or (rule and a.get("rule") != rule):
            continue
        found.append(
            {
                "id": node.id,
                "rule": a.get("rule", node.name),
                "severity": a.get("severity", ""),
                "message": a.get("message", ""),
                "file": node.file,
                "start_line": node.start_line,
                "end_line": node.end_line,
                "node": attached.get(node.id),
            }
        )
    found.sort(key=lambda f: (f["file"], f["start_line"], f["rule"]))
    return found[:limit]


def findings_summary(items: list[dict[str, Any]]) -> dict[str, Any]:
    by_severity: dict[str, int] = {}
    by_rule: dict[str, int] = {}
    for item in items:
        by_severity[item["severity"]] = by_severity.get(item["severity"], 0) + 1
        by_rule[item["rule"]] = by_rule.get(item["rule"], 0) + 1
    return {
        "findings": len(items),
        "files": len({i["file"] for i in items}),
        "unattached": sum(1 for i in items if i["node"] is None),
        "by_severity": dict(sorted(by_severity.items())),
        "by_rule": dict(sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


# -- coverage --------------------------------------------------------------------------------------
def detect_format(data: bytes) -> str:
    """`coverage.py`, `cobertura` or `lcov` from the content; ValidationFailed otherwise."""
    text = data.lstrip()[:4096].decode("utf-8", errors="replace")
    if text.startswith("{"):
        return "coverage.py"
    if text.startswith("<") and "<coverage" in text:
        return "cobertura"
    if any(line.strip().startswith(("SF:", "TN:")) for line in text.splitlines()):
        return "lcov"
    raise ValidationFailed(
        "not a coverage report: expected coverage.py JSON (`coverage json`), "
        "Cobertura XML (`coverage xml`) or lcov (`coverage lcov`)"
    )


def ingest(data: bytes, fmt: str, nodes: list[Node], project: str, root: str) -> CoverageResult:
    """Parse a report of format `fmt` against `nodes`; ValidationFailed when it is malformed."""
    if fmt == "cobertura" and b"<!ENTITY" in data:
        raise ValidationFailed("could not read the cobertura report: XML entities are not allowed")
    try:
        if fmt == "coverage.py":
            report = json.loads(data)
            if not isinstance(report, dict) or not isinstance(report.get("files"), dict):
                raise ValueError("no `files` object (is this `coverage json` output?)")
            return ingest_coverage_json(report, nodes, project, root)
        with tempfile.NamedTemporaryFile(suffix=".report") as tmp:
            tmp.write(data)
            tmp.flush()
            if fmt == "cobertura":
                return ingest_cobertura(tmp.name, nodes, project, root)
            if b"end_of_record" not in data:
                raise ValueError("no `end_of_record` line")
            return ingest_lcov(tmp.name, nodes, project, root)
    except (ValueError, ET.ParseError, KeyError, TypeError, AttributeError) as exc:
        raise ValidationFailed(f"could not read the {fmt} report: {exc}") from None


def import_coverage(
    session: Session, row: GraphIndexRow, data: bytes, *, filename: str = ""
) -> dict[str, Any]:
    """Store a coverage report (replacing the previous one) and apply it; returns the summary."""
    if row.generation == 0:
        raise ValidationFailed("index the code before importing coverage")
    fmt = detect_format(data)
    index_id = store._id(row)
    nodes = code_nodes(session, index_id)
    result = ingest(data, fmt, nodes, row.graph_project, row.root)  # raises before replacing
    report = session.get(GraphCoverageRow, index_id) or GraphCoverageRow(
        index_id=index_id, format=fmt, report=b""
    )
    report.format, report.filename, report.size = fmt, filename[:255], len(data)
    report.report = zlib.compress(data, 6)
    report.imported_at = utcnow()
    _apply_coverage(session, row, report, nodes, result)
    row.generation += 1
    _recount(session, row)
    session.add(row)
    session.flush()
    return coverage_summary(session, row)


def _apply_coverage(
    session: Session,
    row: GraphIndexRow,
    report: GraphCoverageRow,
    nodes: list[Node],
    result: CoverageResult | None = None,
) -> None:
    index_id = store._id(row)
    if result is None:
        data = zlib.decompress(report.report)
        result = ingest(data, report.format, nodes, row.graph_project, row.root)
    known = {n.id for n in nodes}
    updates = {k: v for k, v in result.updates.items() if k in known}
    _set_coverage_attrs(session, index_id, set(report.applied or ()) | set(updates), updates)
    edges = [e for e in result.edges if e.target in known]
    tests = list(result.tests.values())
    _replace_extra(session, index_id, store.COVERAGE_OWNER, "covers", tests, edges)
    report.applied = sorted(updates)
    report.summary = _summary(nodes, updates, result, len(tests), len(edges))
    session.add(report)
    session.flush()


def _set_coverage_attrs(
    session: Session, index_id: int, ids: set[str], updates: dict[str, dict[str, Any]]
) -> None:
    c = NODES.c
    changes = []
    for node_id, attrs in store._select_in(session, [c.id, c.attrs], index_id, c.id, ids):
        new = {k: v for k, v in (attrs or {}).items() if k != "coverage"}
        new.update(updates.get(node_id, {}))
        if new != attrs:
            changes.append({"i": index_id, "n": node_id, "a": new})
    if changes:
        session.execute(
            update(NODES)
            .where(c.index_id == bindparam("i"), c.id == bindparam("n"))
            .values(attrs=bindparam("a")),
            changes,
        )


def _summary(
    nodes: list[Node],
    updates: dict[str, dict[str, Any]],
    result: CoverageResult,
    tests: int,
    covers: int,
) -> dict[str, Any]:
    files = []
    for node in nodes:
        numbers = updates.get(node.id, {}).get("coverage")
        if node.kind == "file" and numbers:
            files.append({"file": node.file, **numbers})
    files.sort(key=lambda f: (f["percent"], f["file"]))
    covered = sum(f["covered"] for f in files)
    total = sum(f["total"] for f in files)
    functions = [
        u["coverage"]
        for k, u in updates.items()
        if k in {n.id for n in nodes if n.kind in ("function", "method")}
    ]
    return {
        "totals": coverage_numbers(covered, total),
        "files": files,
        "functions": len(functions),
        "functions_covered": sum(1 for f in functions if f.get("covered", 0) > 0),
        "tests": tests,
        "covers": covers,
        "unmatched": sorted(result.unmatched)[:200],
    }


def coverage_summary(session: Session, row: GraphIndexRow) -> dict[str, Any]:
    """What the last coverage import gave (None-valued `format` when nothing was imported)."""
    report = session.get(GraphCoverageRow, store._id(row))
    if report is None:
        return {"format": None, "filename": "", "imported_at": None, "summary": {}}
    return {
        "format": report.format,
        "filename": report.filename,
        "size": report.size,
        "imported_at": report.imported_at,
        "summary": report.summary,
    }
