"""Every export format parses back into the same nodes and edges."""

from __future__ import annotations

import io
import json

import networkx as nx
import pytest
from rdflib import Graph, URIRef

from tests.graph.test_store import PROJECT, write_repo
from vibe.core.errors import ValidationFailed
from vibe.graph import export, query
from vibe.graph.engine.api import index_path


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    root = write_repo(tmp_path_factory.mktemp("repo"))
    return query.to_networkx(index_path(root, project=PROJECT))


def edge_set(graph) -> set[tuple[str, str, str]]:
    return {(s, t, d["kind"]) for s, t, d in graph.edges(data=True)}


def test_cytoscape(g):
    data = json.loads(export.export(g, "cytoscape"))["elements"]
    assert {n["data"]["id"] for n in data["nodes"]} == set(g.nodes)
    assert {
        (e["data"]["source"], e["data"]["target"], e["data"]["kind"]) for e in data["edges"]
    } == edge_set(g)
    assert all(isinstance(n["data"]["attrs"], str) for n in data["nodes"])


def test_node_link(g):
    back = nx.node_link_graph(json.loads(export.export(g, "node-link")), edges="edges")
    assert set(back.nodes) == set(g.nodes) and edge_set(back) == edge_set(g)


@pytest.mark.parametrize("fmt, reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_graphml_and_gexf(g, fmt, reader):
    back = reader(io.BytesIO(export.export(g, fmt).encode()))
    assert set(back.nodes) == set(g.nodes) and edge_set(back) == edge_set(g)
    some = next(iter(g.nodes))
    assert back.nodes[some]["qname"] == g.nodes[some]["qname"]


@pytest.mark.parametrize("fmt, rdf_format", [("turtle", "turtle"), ("json-ld", "json-ld")])
def test_rdf(g, fmt, rdf_format):
    rdf = Graph().parse(data=export.export(g, fmt), format=rdf_format)
    node = lambda i: URIRef(export.NODE_BASE + i)  # noqa: E731
    triples = {
        (s, p, o) for s, p, o in rdf if isinstance(o, URIRef) and str(p).startswith(str(export.VG))
    }
    assert {(node(s), export.VG[k], node(t)) for s, t, k in edge_set(g)} == triples
    helper = next(n for n, d in g.nodes(data=True) if d["qname"] == "pkg.util.helper")
    assert (node(helper), export.VG.qname, None) in rdf
    assert str(rdf.value(node(helper), export.VG.qname)) == "pkg.util.helper"
    rows = list(
        rdf.query("PREFIX vg: <https://vibe.dev/ns/graph#> SELECT ?s WHERE { ?s a vg:Function }")
    )
    assert len(rows) >= 3


def test_unknown_format_is_refused(g):
    with pytest.raises(ValidationFailed, match="turtle"):
        export.export(g, "pdf")
