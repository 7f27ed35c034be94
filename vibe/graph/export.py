"""Writing a loaded graph in the formats other tools read.

Cytoscape and node-link JSON for browsers and scripts, GraphML and GEXF for Gephi/yEd (their
writers accept only scalar attributes, so everything is sanitised first), Turtle and JSON-LD
through rdflib with a small vocabulary for SPARQL users.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef

from vibe.core.errors import ValidationFailed

VG = Namespace("https://vibe.dev/ns/graph#")
NODE_BASE = "https://vibe.dev/ns/graph/node/"
SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    write: Callable[[nx.MultiDiGraph], str]


def _scalar(value: Any) -> str | int | float | bool:
    if isinstance(value, SCALARS):
        return value
    if value is None:
        return ""
    return json.dumps(value, sort_keys=True, default=str)


def sanitised(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose attributes are all str/int/float/bool (what GraphML and GEXF accept)."""
    out = nx.MultiDiGraph()
    out.add_nodes_from((n, {k: _scalar(v) for k, v in d.items()}) for n, d in g.nodes(data=True))
    out.add_edges_from(
        (s, t, k, {a: _scalar(v) for a, v in d.items()})
        for s, t, k, d in g.edges(keys=True, data=True)
    )
    return out


def to_cytoscape(g: nx.MultiDiGraph) -> str:
    """Cytoscape.js elements JSON: `{"elements": {"nodes": [...], "edges": [...]}}`."""
    nodes = [{"data": {"id": n, "label": d.get("name") or d.get("qname") or n, **_plain(d)}}
             for n, d in g.nodes(data=True)]  # fmt: skip
    edges = [{"data": {"id": f"{s}:{k}:{t}", "source": s, "target": t, **_plain(d)}}
             for s, t, k, d in g.edges(keys=True, data=True)]  # fmt: skip
    return json.dumps({"elements": {"nodes": nodes, "edges": edges}})


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, SCALARS) else _scalar(v) for k, v in d.items()}


def to_node_link(g: nx.MultiDiGraph) -> str:
    return json.dumps(nx.node_link_data(sanitised(g), edges="edges"))


def to_graphml(g: nx.MultiDiGraph) -> str:
    buffer = io.BytesIO()
    nx.write_graphml(sanitised(g), buffer, encoding="utf-8")
    return buffer.getvalue().decode()


def to_gexf(g: nx.MultiDiGraph) -> str:
    buffer = io.BytesIO()
    nx.write_gexf(sanitised(g), buffer, encoding="utf-8")
    return buffer.getvalue().decode()


def to_rdf(g: nx.MultiDiGraph) -> Graph:
    """Nodes as `vg:<Kind>` resources with their attributes; each edge as a `vg:<kind>` triple."""
    rdf = Graph()
    rdf.bind("vg", VG)
    for n, d in g.nodes(data=True):
        subject = URIRef(NODE_BASE + n)
        rdf.add((subject, RDF.type, VG[_class_name(str(d.get("kind", "node")))]))
        rdf.add((subject, RDFS.label, Literal(d.get("name") or d.get("qname") or n)))
        for key in ("qname", "language", "file"):
            if d.get(key):
                rdf.add((subject, VG[key], Literal(d[key])))
        for key, prop in (("start_line", "startLine"), ("end_line", "endLine")):
            if d.get(key):
                rdf.add((subject, VG[prop], Literal(int(d[key]), datatype=XSD.integer)))
    for s, t, k in g.edges(keys=True):
        rdf.add((URIRef(NODE_BASE + s), VG[_property_name(k)], URIRef(NODE_BASE + t)))
    return rdf


def _class_name(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.split("_"))


def _property_name(kind: str) -> str:
    head, *rest = kind.split("_")
    return head + "".join(part.capitalize() for part in rest)


def to_turtle(g: nx.MultiDiGraph) -> str:
    return to_rdf(g).serialize(format="turtle")


def to_json_ld(g: nx.MultiDiGraph) -> str:
    return to_rdf(g).serialize(format="json-ld", context={"vg": str(VG)}, auto_compact=True)


FORMATS = {
    f.name: f
    for f in (
        Format("cytoscape", "application/json", "cyjs", to_cytoscape),
        Format("node-link", "application/json", "json", to_node_link),
        Format("graphml", "application/graphml+xml", "graphml", to_graphml),
        Format("gexf", "application/gexf+xml", "gexf", to_gexf),
        Format("turtle", "text/turtle", "ttl", to_turtle),
        Format("json-ld", "application/ld+json", "jsonld", to_json_ld),
    )
}


def get_format(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        choices = ", ".join(FORMATS)
        raise ValidationFailed(f"unknown export format {name!r}; choose one of {choices}") from None


def export(g: nx.MultiDiGraph, name: str) -> str:
    """The graph written in format `name` (see FORMATS)."""
    return get_format(name).write(g)
