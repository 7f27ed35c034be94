"""Queries over a loaded graph of the fixture repository."""

from __future__ import annotations

import pytest

from tests.graph.test_store import PROJECT, write_repo
from vibe.core.errors import NotFound, ValidationFailed
from vibe.graph import query, store
from vibe.graph.engine.api import index_path
from vibe.graph.engine.ids import node_id
from vibe.graph.models import GraphIndexRow


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    root = write_repo(tmp_path_factory.mktemp("repo"))
    return query.to_networkx(index_path(root, project=PROJECT))


def nid(kind: str, qname: str) -> str:
    return node_id(PROJECT, kind, qname)


HELPER = nid("function", "pkg.util.helper")
BASE_RUN = nid("method", "pkg.util.Base.run")
APP_RUN = nid("method", "pkg.app.App.run")
MAIN = nid("function", "pkg.app.main")


def test_search_ranks_exact_then_prefix_then_substring_then_fuzzy(g):
    assert [r["qname"] for r in query.search(g, "helper")][:1] == ["pkg.util.helper"]
    found = query.search(g, "hel")
    assert found[0]["match"] == "prefix" and found[0]["qname"] == "pkg.util.helper"
    assert {r["match"] for r in query.search(g, "elpe")} == {"substring"}
    fuzzy = query.search(g, "helpr")
    assert fuzzy[0]["match"] == "fuzzy" and fuzzy[0]["qname"] == "pkg.util.helper"
    matches = [r["match"] for r in query.search(g, "run", limit=50)]
    assert matches == sorted(matches, key=["exact", "prefix", "substring", "fuzzy"].index)


def test_search_by_dotted_name_and_kind(g):
    assert query.search(g, "Base.run")[0]["id"] == BASE_RUN
    assert {r["kind"] for r in query.search(g, "app", kinds=["module"])} == {"module"}
    with pytest.raises(ValidationFailed):
        query.search(g, "  ")


def test_details_and_neighbours(g):
    info = query.details(g, HELPER)
    assert info["qname"] == "pkg.util.helper" and info["in"]["calls"] >= 3
    called_by = query.neighbours(g, HELPER, kind="calls", direction="in")
    assert {n["node"]["qname"] for n in called_by} >= {"pkg.util.Base.run", "pkg.sub.deep.go"}
    with pytest.raises(NotFound):
        query.details(g, "nope")


def test_callers_and_callees_to_depth(g):
    assert {n["id"] for n in query.callees(g, MAIN)["nodes"]} >= {nid("class", "pkg.app.App")}
    deep = query.callers(g, HELPER, depth=2)
    assert {n["qname"] for n in deep["nodes"]} >= {"pkg.app.App.run", "pkg.sub.deep.go"}
    assert all(n["depth"] in (1, 2) for n in deep["nodes"])
    assert query.callers(g, HELPER, depth=1, limit=1)["truncated"] is True


def test_shortest_path_directed_and_undirected(g):
    path = query.shortest_path(g, APP_RUN, HELPER)
    assert path["directed"] and path["edges"][0]["kind"] == "calls"
    back = query.shortest_path(g, HELPER, APP_RUN, kinds=["calls"])
    assert not back["directed"] and [n["id"] for n in back["nodes"]] == [HELPER, APP_RUN]


def test_impact_is_a_bounded_reverse_closure(g):
    result = query.impact(g, HELPER, depth=3)
    names = {n["qname"] for n in result["nodes"]}
    assert {"pkg.app.App.run", "pkg.sub.deep.go", "pkg.util.Base.run"} <= names
    importers = query.impact(g, nid("module", "pkg.util"), depth=1)
    assert {n["qname"] for n in importers["nodes"]} >= {"pkg", "pkg.app", "pkg.sub.deep"}
    assert len(query.impact(g, HELPER, limit=2)["nodes"]) == 2
    with pytest.raises(ValidationFailed):
        query.impact(g, HELPER, depth=0)


def test_overview_aggregates_edges_between_modules_and_packages(g):
    modules = query.overview(g)
    link = next(
        e for e in modules["edges"] if (e["source"], e["target"]) == ("pkg.app", "pkg.util")
    )
    assert link["kinds"]["calls"] >= 1 and link["kinds"]["imports"] >= 1
    packages = query.overview(g, level="package", include_external=True)
    ids = {grp["id"] for grp in packages["groups"]}
    assert {"pkg", "pkg/sub", "web", "external:os"} <= ids
    assert any(e["source"] == "pkg/sub" and e["target"] == "pkg" for e in packages["edges"])


def test_subgraph_respects_the_element_budget(g):
    whole = query.subgraph(g, HELPER, depth=3, budget=5000)
    assert not whole["truncated"] and len(whole["nodes"]) > 5
    small = query.subgraph(g, HELPER, depth=3, budget=6)
    assert small["truncated"] and len(small["nodes"]) + len(small["edges"]) <= 6
    assert small["center"] == HELPER


def test_stored_graph_loads_into_the_same_networkx_graph(session, tmp_path, g):
    root = write_repo(tmp_path / "repo")
    row = GraphIndexRow(graph_project=PROJECT, root=str(root))
    session.add(row)
    session.flush()
    store.save_graph(session, row, index_path(root, project=PROJECT))
    loaded = query.load_networkx(session, row.id)
    assert set(loaded.edges(keys=True)) == set(g.edges(keys=True))
    assert loaded.nodes[HELPER]["qname"] == "pkg.util.helper"
