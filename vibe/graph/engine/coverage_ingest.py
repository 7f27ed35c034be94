"""Test coverage → attribute updates on file/module/function nodes, `test` nodes and `covers` edges.

Three report formats: coverage.py JSON (its own per-function numbers and, with `--show-contexts`,
which test ran each line), Cobertura XML (per-line hits) and lcov (per-line hits, function hits
and optional per-test `TN:` sections). Line-only formats are attributed to the innermost
definition around each line, the way coverage.py does it: a `def` line belongs to its parent.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from vibe.graph.engine.ids import module_qname, node_id
from vibe.graph.engine.model import Edge, Node

DEF_KINDS = ("function", "method", "class")
PHASES = ("|run", "|setup", "|teardown")
Lines = dict[int, set[str]]  # line → tests that executed it ("" when no test context)


@dataclass(slots=True)
class CoverageResult:
    """Attribute updates keyed by node id (`{"coverage": {...}}`), test nodes and covers edges."""

    updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    tests: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def coverage_numbers(covered: int, total: int) -> dict[str, Any]:
    """`{"covered", "total", "percent"}`; nothing to run counts as fully covered (coverage.py)."""
    percent = round(100.0 * covered / total, 2) if total else 100.0
    return {"covered": covered, "total": total, "percent": percent}


def qname_of_test(context: str) -> str:
    """`tests/test_x.py::TestK::test_y[1]|run` or `tests.test_x.TestK.test_y` → dotted name."""
    for phase in PHASES:
        context = context.removesuffix(phase)
    if "::" in context:
        path, *parts = context.split("::")
        context = ".".join([module_qname(path)[0], *parts])
    return re.sub(r"\[.*?\](?=\.|$)", "", context)


class _Graph:
    """The engine's nodes indexed by file, and coverage paths mapped onto them."""

    def __init__(self, project: str, nodes: Any, root: str | Path | None) -> None:
        self.project, self.root = project, Path(root).resolve() if root else None
        self.by_file: dict[str, list[Node]] = {}
        self.by_qname: dict[str, Node] = {}
        for node in nodes:
            if node.file and node.kind in (*DEF_KINDS, "file", "module"):
                self.by_file.setdefault(node.file, []).append(node)
            if node.kind in ("function", "method"):
                self.by_qname[node.qname] = node

    def file(self, path: str, sources: tuple[str, ...] = ("",)) -> str | None:
        for source in sources:
            candidate = self._relative(str(PurePosixPath(source, path.replace("\\", "/"))))
            if candidate in self.by_file:
                return candidate
        suffix = "/" + path.replace("\\", "/").removeprefix("./").lstrip("/")
        found = [f for f in self.by_file if ("/" + f).endswith(suffix) or suffix.endswith("/" + f)]
        return max(found, key=len) if found else None  # the most specific path wins

    def _relative(self, path: str) -> str:
        posix = PurePosixPath(path)
        if posix.is_absolute() and self.root is not None:
            try:
                return posix.relative_to(self.root.as_posix()).as_posix()
            except ValueError:
                return path
        return posix.as_posix().removeprefix("./")

    def kinds(self, file: str, *kinds: str) -> list[Node]:
        return [n for n in self.by_file.get(file, []) if n.kind in kinds]


class _Builder:
    def __init__(self, graph: _Graph) -> None:
        self.g = graph
        self.out = CoverageResult()

    def numbers(self, nodes: list[Node], covered: int, total: int) -> None:
        for node in nodes:
            self.out.updates[node.id] = {"coverage": coverage_numbers(covered, total)}

    def covers(self, node: Node, lines: Lines) -> None:
        for test in sorted({t for tests in lines.values() for t in tests if t}):
            test_node = self._test(test)
            self.out.edges.append(
                Edge(
                    test_node.id,
                    node.id,
                    "covers",
                    1.0,
                    "coverage-context",
                    node.file,
                    node.start_line,
                )
            )

    def _test(self, context: str) -> Node:
        qname = qname_of_test(context)
        test_id = node_id(self.g.project, "test", qname)
        if test_id not in self.out.tests:
            function = self.g.by_qname.get(qname)
            attrs = {"context": context, "function": function.id if function else ""}
            where = (
                (function.file, function.start_line, function.end_line) if function else ("", 0, 0)
            )
            self.out.tests[test_id] = Node(
                test_id, "test", qname, qname.rsplit(".", 1)[-1], "python", *where, attrs=attrs
            )
        return self.out.tests[test_id]

    def from_lines(self, file: str, lines: Lines, hits: dict[int, int]) -> None:
        """File, module and definition numbers and covers edges from per-line hits."""
        covered = sum(1 for count in hits.values() if count > 0)
        self.numbers(self.g.kinds(file, "file", "module"), covered, len(hits))
        defs = sorted(self.g.kinds(file, *DEF_KINDS), key=lambda n: (n.start_line, -n.end_line))
        owned: dict[str, list[int]] = {}
        for line in hits:
            owner = _owner(defs, line)
            if owner is not None:
                owned.setdefault(owner.id, []).append(line)
        for node in defs:
            mine = owned.get(node.id, [])
            if node.kind == "class":
                inner = [d for d in defs if d is not node and _inside(d, node)]
                mine = [ln for d in inner for ln in owned.get(d.id, [])]  # as coverage.py counts
            self.numbers([node], sum(1 for ln in mine if hits[ln] > 0), len(mine))
            if node.kind != "class":
                self.covers(node, {ln: lines.get(ln, set()) for ln in mine})


def _owner(defs: list[Node], line: int) -> Node | None:
    around = [d for d in defs if d.start_line <= line <= d.end_line]
    around = [d for d in around if line != d.start_line or d.start_line == d.end_line]
    return around[-1] if around else None


def _inside(inner: Node, outer: Node) -> bool:
    return outer.start_line <= inner.start_line and inner.end_line <= outer.end_line


# -- coverage.py JSON ------------------------------------------------------------------------------
def ingest_coverage_json(
    report: dict[str, Any] | str | Path, nodes: Any, project: str, root: str | Path | None = None
) -> CoverageResult:
    """coverage.py JSON (format 3): its own per-file/function/class numbers and test contexts."""
    data = report if isinstance(report, dict) else json.loads(Path(report).read_text())
    builder = _Builder(_Graph(project, nodes, root))
    for path, entry in data.get("files", {}).items():
        file = builder.g.file(path)
        if file is None:
            builder.out.unmatched.append(path)
            continue
        summary = entry.get("summary", {})
        covered, total = summary.get("covered_lines", 0), summary.get("num_statements", 0)
        builder.numbers(builder.g.kinds(file, "file", "module"), covered, total)
        for key, region in [*entry.get("functions", {}).items(), *entry.get("classes", {}).items()]:
            if key:
                _region(builder, file, key, region)
    return builder.out


def _region(builder: _Builder, file: str, key: str, region: dict[str, Any]) -> None:
    node = _match(builder.g, file, key, int(region.get("start_line", 0)))
    if node is None:
        builder.out.unmatched.append(f"{file}::{key}")
        return
    summary = region.get("summary", {})
    builder.numbers([node], summary.get("covered_lines", 0), summary.get("num_statements", 0))
    if node.kind != "class":
        contexts = {int(k): set(v) for k, v in region.get("contexts", {}).items()}
        builder.covers(node, contexts)


def _match(g: _Graph, file: str, key: str, start_line: int) -> Node | None:
    modules = g.kinds(file, "module")
    wanted = f"{modules[0].qname}.{key}" if modules and modules[0].qname else key
    defs = g.kinds(file, *DEF_KINDS)
    by_name = [d for d in defs if d.qname == wanted]
    by_line = [d for d in defs if d.start_line == start_line and d.name == key.rsplit(".", 1)[-1]]
    return (by_name or by_line or [None])[0]


# -- Cobertura XML and lcov -----------------------------------------------------------------------
def ingest_cobertura(
    report: str | Path, nodes: Any, project: str, root: str | Path | None = None
) -> CoverageResult:
    """Cobertura XML (`coverage xml`, istanbul `cobertura`): per-line hits of every class/file."""
    tree = ET.parse(report)
    sources = ("", *(s.text.strip() for s in tree.iter("source") if s.text))
    builder = _Builder(_Graph(project, nodes, root))
    hits: dict[str, dict[int, int]] = {}
    for cls in tree.iter("class"):
        file = builder.g.file(cls.get("filename", ""), sources)
        if file is None:
            builder.out.unmatched.append(cls.get("filename", ""))
            continue
        lines = hits.setdefault(file, {})
        for line in cls.iter("line"):
            number = int(line.get("number", 0))
            lines[number] = max(lines.get(number, 0), int(line.get("hits", 0)))
    for file, lines in hits.items():
        builder.from_lines(file, {}, lines)
    return builder.out


def ingest_lcov(
    report: str | Path, nodes: Any, project: str, root: str | Path | None = None
) -> CoverageResult:
    """lcov tracefile: DA lines per SF, FN/FNDA function hits, TN test names → covers edges."""
    builder = _Builder(_Graph(project, nodes, root))
    hits: dict[str, dict[int, int]] = {}
    tests: dict[str, Lines] = {}
    calls: dict[tuple[str, int], int] = {}
    for record in _lcov_records(Path(report).read_text(encoding="utf-8", errors="replace")):
        file = builder.g.file(record["SF"])
        if file is None:
            builder.out.unmatched.append(record["SF"])
            continue
        lines, by_test = hits.setdefault(file, {}), tests.setdefault(file, {})
        for number, count in record["DA"]:
            lines[number] = lines.get(number, 0) + count
            if count > 0 and record["TN"]:
                by_test.setdefault(number, set()).add(record["TN"])
        for line, count in record["FN"]:
            calls[file, line] = calls.get((file, line), 0) + count
    for file, lines in hits.items():
        builder.from_lines(file, tests.get(file, {}), lines)
    for (file, line), count in calls.items():
        for node in builder.g.kinds(file, "function", "method"):
            if node.start_line == line and node.id in builder.out.updates:
                builder.out.updates[node.id]["coverage"]["calls"] = count
    return builder.out


def _lcov_records(text: str) -> list[dict[str, Any]]:
    records, current, functions = [], _new_record(""), {}
    for raw in text.splitlines():
        tag, _, value = raw.strip().partition(":")
        if tag == "TN":
            current["TN"] = value
        elif tag == "SF":
            current["SF"], functions = value, {}
        elif tag == "FN":
            line, *_, name = value.split(",")
            functions[name] = int(line)
        elif tag == "FNDA":
            count, name = value.split(",", 1)
            if name in functions:
                current["FN"].append((functions[name], int(count)))
        elif tag == "DA":
            line, count, *_ = value.split(",")
            current["DA"].append((int(line), int(float(count))))
        elif tag == "end_of_record":
            records.append(current)
            current = _new_record(current["TN"])
    return records


def _new_record(test: str) -> dict[str, Any]:
    return {"TN": test, "SF": "", "FN": [], "DA": []}
