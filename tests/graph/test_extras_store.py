"""depends_on edges with versions, and findings/coverage surviving re-indexes, in the store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import Session

from tests.graph.test_extras_api import COVPROJ, reports  # noqa: F401
from tests.graph.test_store import PROJECT, new_index_row, write_repo
from vibe.graph import extras, service, store
from vibe.graph.engine.findings import (
    DEFAULT_SEMGREP,
    Finding,
    FindingsResult,
    SemgrepCancelledError,
    finding_nodes,
    has_finding_edges,
)
from vibe.graph.engine.ids import node_id
from vibe.graph.engine.index import GraphIndex
from vibe.graph.models import GraphIndexRow, GraphNodeRow

APP = {
    "app/__init__.py": "",
    "app/load.py": "import yaml\n\n\ndef load(text):\n    return yaml.safe_load(text)\n",
    "app/net.py": "import os\n\n\ndef get():\n    return os.getcwd()\n",
    "web/main.js": "import React from 'react';\nexport function x() { return React; }\n",
    "requirements.txt": "PyYAML==6.0\nrequests>=2.31\n",
    "package.json": json.dumps({"dependencies": {"react": "^18.2.0"}}),
}


def stored_rows(session: Session, index_id: int) -> dict[str, set]:
    """Every stored node and edge of an index (without the index id), attrs as sorted JSON."""
    n, e = store.NODES.c, store.EDGES.c
    nodes = session.execute(
        select(*(n[k] for k in store.NODE_COLS[1:])).where(n.index_id == index_id)
    ).all()
    edges = session.execute(
        select(*(e[k] for k in store.EDGE_COLS[1:])).where(e.index_id == index_id)
    ).all()
    return {
        "nodes": {(*r[:-1], json.dumps(r[-1], sort_keys=True)) for r in nodes},
        "edges": {(*r[:-1], json.dumps(r[-1], sort_keys=True)) for r in edges},
    }


def full_index(session: Session, root: Path) -> GraphIndexRow:
    index = GraphIndex(root, project=PROJECT)
    index.index_all()
    row = new_index_row(session, root)
    store.save_index(session, row, index)
    return row


def incremental(session: Session, row: GraphIndexRow, root: Path) -> None:
    restored = store.restore_index(session, row, root)
    store.save_update(session, row, restored, restored.index_all())


def depends_on(session: Session, index_id: int) -> dict[tuple[str, str], str]:
    e = store.EDGES.c
    rows = session.execute(
        select(e.source, e.target, e.attrs).where(e.index_id == index_id, e.kind == "depends_on")
    ).all()
    return {(s, t): (a or {}).get("version", "") for s, t, a in rows}


def mod(qname: str) -> str:
    return node_id(PROJECT, "module", qname)


def pkg(name: str) -> str:
    return node_id(PROJECT, "external_package", name)


def test_index_stores_depends_on_edges_with_versions(session, tmp_path):
    root = write_repo(tmp_path / "repo", APP)
    row = full_index(session, root)
    assert depends_on(session, row.id) == {
        (mod("app.load"), pkg("pyyaml")): "6.0",
        (node_id(PROJECT, "module", "web.main"), pkg("react")): "^18.2.0",
    }
    graph = store.load_graph(session, row.id)
    edge = next(e for e in graph.edges if e.kind == "depends_on" and e.target == pkg("pyyaml"))
    assert edge.resolution == "declared" and edge.file == "app/load.py" and edge.line == 1
    assert row.edges == len(graph.edges)


def test_manifest_and_import_changes_update_depends_on_like_a_clean_reindex(session, tmp_path):
    root = write_repo(tmp_path / "repo", APP)
    row = full_index(session, root)
    steps = [
        ("requirements.txt", "PyYAML==6.0.1\nrequests==2.32.3\n"),  # versions change
        ("app/net.py", "import requests\n\n\ndef get():\n    return requests.get('x')\n"),
        ("requirements.txt", "requests==2.32.3\n"),  # PyYAML no longer declared
        ("package.json", json.dumps({"dependencies": {}})),
    ]
    for path, content in steps:
        (root / path).write_text(content)
        incremental(session, row, root)
        clean = full_index(session, root)
        assert stored_rows(session, row.id) == stored_rows(session, clean.id), path
    assert depends_on(session, row.id) == {(mod("app.net"), pkg("requests")): "2.32.3"}
    (root / "requirements.txt").write_text("")  # `requests` keeps its name but is undeclared
    incremental(session, row, root)
    assert stored_rows(session, row.id) == stored_rows(session, full_index(session, root).id)
    assert depends_on(session, row.id) == {}


def test_version_bump_alone_updates_the_edge(session, tmp_path):
    root = write_repo(tmp_path / "repo", APP)
    row = full_index(session, root)
    (root / "requirements.txt").write_text("PyYAML==6.0.2\nrequests>=2.31\n")
    incremental(session, row, root)
    assert depends_on(session, row.id)[mod("app.load"), pkg("pyyaml")] == "6.0.2"


def _finding(file: str, line: int, text: str) -> Finding:
    return Finding("python-eval-exec", "error", "no eval", file, line, 12, line, 19, text)


def test_findings_stay_attached_across_incremental_and_full_reindex(session, tmp_path):
    root = write_repo(tmp_path / "repo", APP)
    row = full_index(session, root)
    nodes = finding_nodes(PROJECT, [_finding("app/load.py", 5, "fp1")])
    code = extras.code_nodes(session, row.id)
    extras.store_findings(session, row, FindingsResult(nodes, has_finding_edges(nodes, code)))
    load = node_id(PROJECT, "function", "app.load.load")
    assert extras.list_findings(session, row.id)[0]["node"]["id"] == load
    # The function moves into a class: the finding re-attaches to the new innermost definition.
    (root / "app/load.py").write_text(
        "import yaml\n\n\nclass L:\n"
        "    def load(self, text):\n        return yaml.safe_load(text)\n"
    )
    incremental(session, row, root)
    [item] = extras.list_findings(session, row.id)
    assert item["node"]["id"] == node_id(PROJECT, "method", "app.load.L.load")
    before = stored_rows(session, row.id)
    store.save_index(session, row, _fresh(root))
    assert stored_rows(session, row.id) == before
    assert row.nodes == len(before["nodes"]) and row.edges == len(before["edges"])


def _fresh(root: Path) -> GraphIndex:
    index = GraphIndex(root, project=PROJECT)
    index.index_all()
    return index


@pytest.mark.skipif(not DEFAULT_SEMGREP.exists(), reason=f"semgrep not at {DEFAULT_SEMGREP}")
def test_findings_scan_reports_progress_and_a_cancel_keeps_the_stored_findings(session, tmp_path):
    files = {**APP, "app/evil.py": "def run(text):\n    return eval(text)\n"}
    root = write_repo(tmp_path / "repo", files)
    row = full_index(session, root)
    session.commit()
    seen: list[tuple[float, str]] = []
    outcome = service.scan_findings(row, session=session, progress=lambda f, m: seen.append((f, m)))
    assert outcome.findings == 1 and seen[-1][0] == 1.0
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
    before = extras.list_findings(session, row.id)
    assert before[0]["node"]["id"] == node_id(PROJECT, "function", "app.evil.run")
    with pytest.raises(SemgrepCancelledError):
        service.scan_findings(row, session=session, cancel=lambda: True)
    assert extras.list_findings(session, row.id) == before


def test_coverage_is_reapplied_after_incremental_reindex_like_after_a_clean_one(
    session,
    tmp_path,
    reports,  # noqa: F811
):
    root = Path(shutil.copytree(COVPROJ, tmp_path / "proj"))
    row = full_index(session, root)
    extras.import_coverage(session, row, reports["json"], filename="cov.json")
    add = node_id(PROJECT, "function", "calc.ops.add")
    assert depends_on(session, row.id) == {}
    # Every definition moves down two lines (an incremental update of one file): re-applying
    # the stored report must leave the same rows as a clean index followed by the same import.
    ops = root / "calc" / "ops.py"
    ops.write_text("# shifted\n\n" + ops.read_text())
    incremental(session, row, root)
    clean = full_index(session, root)
    extras.import_coverage(session, clean, reports["json"], filename="cov.json")
    assert stored_rows(session, row.id) == stored_rows(session, clean.id)
    summary = extras.coverage_summary(session, row)["summary"]
    assert summary == extras.coverage_summary(session, clean)["summary"]
    stored = extras._owned_nodes(session, row.id, store.COVERAGE_OWNER)
    assert {n.kind for n in stored} == {"test"} and len(stored) == summary["tests"] >= 3
    attrs = session.get(GraphNodeRow, (row.id, add)).attrs
    assert attrs["coverage"] == {"covered": 1, "total": 1, "percent": 100.0}


DEP_EDITS = st.lists(
    st.sampled_from(
        [
            ("requirements.txt", "PyYAML==6.0.1\nrequests==2.32.3\n"),
            ("requirements.txt", "requests\n"),
            ("requirements.txt", ""),
            ("package.json", json.dumps({"dependencies": {"react": "18.3.1"}})),
            ("package.json", "{}"),
            ("app/net.py", "import requests\n\n\ndef get():\n    return requests.get('x')\n"),
            ("app/net.py", "import yaml, requests\n\n\ndef get():\n    return yaml, requests\n"),
            ("app/load.py", "def load(text):\n    return text\n"),
            ("web/main.js", "export function x() { return 1; }\n"),
        ]
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=DEP_EDITS)
def test_stored_depends_on_after_any_edits_equals_a_clean_reindex(session, tmp_path_factory, edits):
    root = write_repo(tmp_path_factory.mktemp("repo"), APP)
    row = full_index(session, root)
    for path, content in edits:
        (root / path).write_text(content)
        incremental(session, row, root)
    assert stored_rows(session, row.id) == stored_rows(session, full_index(session, root).id)
    session.rollback()
