"""`vibe graph` on a plain folder through click's CliRunner: no server, an embedded SQLite file."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib import Graph

from tests.graph.test_store import write_repo
from vibe.cli import main


@pytest.fixture
def repo(tmp_path):
    return write_repo(tmp_path / "repo")


def run(*args: str):
    # A wide terminal: rich wraps long paths, which would split the phrases asserted on.
    result = CliRunner(env={"COLUMNS": "300"}).invoke(
        main, ["graph", *args], catch_exceptions=False
    )
    return result


def test_index_prints_a_summary_and_reruns_incrementally(repo):
    first = run("index", str(repo))
    assert first.exit_code == 0, first.output
    assert (repo / ".vibe-graph.db").exists()
    assert "full, 7 files processed" in first.output
    for label in ("nodes: function", "edges: calls", "unresolved share of calls", "time"):
        assert label in first.output
    (repo / "pkg/app.py").write_text("def main():\n    return 1\n")
    (repo / "big.py").write_bytes(b"\xff\xfe\x00binary")
    second = run("index", str(repo))
    assert second.exit_code == 0, second.output
    assert "incremental" in second.output and "skipped" in second.output
    assert "7 files processed" not in second.output


def test_queries_by_qualified_name(repo):
    db = str(repo / ".vibe-graph.db")
    assert run("index", str(repo)).exit_code == 0
    found = json.loads(run("query", "search", "helpr", "--db", db, "--json").output)
    assert found[0]["qname"] == "pkg.util.helper"
    node = json.loads(run("query", "node", "pkg.util.helper", "--db", db).output)
    assert node["docstring"] == "Add one."
    callers = run("query", "callers", "pkg.util.helper", "--depth", "2", "--db", db)
    assert "pkg.app.App.run" in callers.output and "pkg.sub.deep.go" in callers.output
    callees = json.loads(run("query", "callees", "pkg.app.main", "--db", db, "--json").output)
    assert "pkg.app.App" in {n["qname"] for n in callees["nodes"]}
    path = run("query", "path", "pkg.app.App.run", "pkg.util.helper", "--db", db)
    assert "--calls--> pkg.util.helper" in path.output
    impact = run("query", "impact", "pkg.util", "--db", db, "--json")
    assert "pkg.app" in {n["qname"] for n in json.loads(impact.output)["nodes"]}
    overview = run("query", "overview", "--level", "package", "--db", db)
    assert "pkg/sub" in overview.output
    unknown = run("query", "node", "nothing.here", "--db", db)
    assert unknown.exit_code == 1 and "ambiguous or unknown" in unknown.output


@pytest.mark.parametrize(
    "fmt, check",
    [
        ("graphml", lambda p: nx.read_graphml(p).number_of_nodes() > 10),
        ("gexf", lambda p: nx.read_gexf(p).number_of_edges() > 10),
        ("turtle", lambda p: len(Graph().parse(p, format="turtle")) > 10),
        ("json-ld", lambda p: len(Graph().parse(p, format="json-ld")) > 10),
        ("cytoscape", lambda p: json.loads(p.read_text())["elements"]["nodes"]),
        ("node-link", lambda p: json.loads(p.read_text())["edges"]),
    ],
)
def test_export_writes_a_file_that_parses(repo, tmp_path, fmt, check):
    db = str(repo / ".vibe-graph.db")
    assert run("index", str(repo)).exit_code == 0
    out = tmp_path / f"graph.{fmt}"
    result = run("export", "--format", fmt, "-o", str(out), "--db", db)
    assert result.exit_code == 0, result.output
    assert check(out)


def test_query_without_an_index_says_what_to_do(tmp_path):
    result = run("query", "search", "x", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 1 and "vibe graph index" in result.output
