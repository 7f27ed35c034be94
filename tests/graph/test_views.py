"""The explorer's views over a stored project graph (SQLite and PostgreSQL), and their API."""

from __future__ import annotations

import io

import networkx as nx
import pytest

from tests.graph.test_store import write_repo
from vibe.core.errors import NotFound, ValidationFailed
from vibe.graph import explorer, service, store, views
from vibe.graph.engine.ids import node_id
from vibe.graph.engine.model import Edge, Node
from vibe.projects import service as projects
from vibe.projects.workspace import workspace_root

ALL = views.Filters()


@pytest.fixture
def graph(session, make_user):
    """Alice's project, indexed, plus a finding, coverage numbers and a versioned package."""
    alice = make_user("alice")
    pid = projects.create_project(alice, name="Views", session=session).project.id
    session.commit()
    write_repo(workspace_root(pid))
    row = service.project_index(alice, pid, session=session)
    service.index_root(row, session=session)
    data = store.load_graph(session, row.id)
    nid = lambda kind, qname: node_id(str(pid), kind, qname)  # noqa: E731
    finding = Node(
        nid("finding", "pkg/app.py::eval"),
        "finding",
        "pkg/app.py::eval",
        "no-eval",
        file="pkg/app.py",
        start_line=12,
        attrs={"severity": "error", "message": "m"},
    )
    data.nodes[finding.id] = finding
    data.edges.append(Edge(nid("function", "pkg.app.main"), finding.id, "has_finding"))
    data.nodes[nid("function", "pkg.util.helper")].attrs["coverage"] = {
        "covered": 2,
        "total": 2,
        "percent": 100.0,
    }
    data.nodes[nid("module", "pkg.app")].attrs["coverage"] = {
        "covered": 3,
        "total": 10,
        "percent": 30.0,
    }
    os_package = nid("external_package", "os")
    data.nodes[os_package].attrs.update(stdlib=False, version="3.11")
    store.save_graph(session, row, data)
    session.commit()
    return alice, pid, nid  # fmt: skip


def build(session, user, pid, name, filters=ALL, budget=views.MAX_BUDGET, **params):
    return explorer.project_view(
        user, pid, name, params=params, filters=filters, budget=budget, session=session
    )


def labels(result) -> set[str]:
    return {n["data"]["label"] for n in result["elements"]["nodes"]}


def edge_between(result, a: str, b: str) -> dict | None:
    for e in result["elements"]["edges"]:
        if (e["data"]["source"], e["data"]["target"]) == (a, b):
            return e["data"]
    return None


def test_overview_aggregates_module_edges(session, graph):
    alice, pid, nid = graph
    result = build(session, alice, pid, "overview")
    assert result["level"] == "module" and result["generation"] == 2
    assert labels(result) == {"pkg", "pkg.app", "pkg.util", "pkg.sub", "pkg.sub.deep", "web.lib",
                              "web"}  # fmt: skip
    app_util = edge_between(result, nid("module", "pkg.app"), nid("module", "pkg.util"))
    assert app_util["weight"] >= 3 and "calls" in app_util["kinds"]
    assert "inherits" in app_util["kinds"] and "imports" in app_util["kinds"]
    for node in result["elements"]["nodes"]:
        assert "parent" not in node["data"]  # no compound nodes
    assert result["counts"]["nodes"] == 7 and not result["truncated"]


def test_expand_a_module_then_collapse_it(session, graph):
    alice, pid, nid = graph
    util = nid("module", "pkg.util")
    opened = build(session, alice, pid, "overview", expanded=[util])
    assert {"helper", "Base"} <= labels(opened)
    assert edge_between(opened, util, nid("function", "pkg.util.helper"))["kind"] == "defines"
    main_helper = edge_between(opened, nid("module", "pkg.app"), nid("function", "pkg.util.helper"))
    assert main_helper and "calls" in main_helper["kinds"]
    deeper = build(session, alice, pid, "overview", expanded=[util, nid("class", "pkg.util.Base")])
    assert "run" in labels(deeper)
    closed = build(session, alice, pid, "overview", expanded=[])
    assert "helper" not in labels(closed) and "pkg.util" in labels(closed)


def test_package_level_and_reveal(session, graph):
    alice, pid, nid = graph
    packages = build(session, alice, pid, "overview", level="package")
    assert labels(packages) == {"pkg", "pkg/sub", "web"}
    run = nid("method", "pkg.app.App.run")
    above = explorer.reveal(alice, pid, run, level="module", session=session)
    assert above == [nid("module", "pkg.app"), nid("class", "pkg.app.App")]
    shown = build(session, alice, pid, "overview", expanded=above)
    assert run in {n["data"]["id"] for n in shown["elements"]["nodes"]}


def test_neighbourhood_grows_with_depth(session, graph):
    alice, pid, nid = graph
    helper = nid("function", "pkg.util.helper")
    near = build(session, alice, pid, "neighbourhood", node=helper, depth=1)
    far = build(session, alice, pid, "neighbourhood", node=helper, depth=3)
    assert near["counts"]["nodes"] < far["counts"]["nodes"]
    centre = next(n for n in near["elements"]["nodes"] if n["data"]["id"] == helper)
    assert centre["data"]["role"] == "center" and centre["data"]["line"] == 4
    only_calls = views.Filters(edge_kinds=frozenset({"calls"}))
    calls = build(session, alice, pid, "neighbourhood", filters=only_calls, node=helper, depth=1)
    assert {e["data"]["kind"] for e in calls["elements"]["edges"]} == {"calls"}


def test_path_and_impact(session, graph):
    alice, pid, nid = graph
    main, helper = nid("function", "pkg.app.main"), nid("function", "pkg.util.helper")
    found = build(session, alice, pid, "path", source=main, target=helper)
    roles = {n["data"]["label"]: n["data"]["role"] for n in found["elements"]["nodes"]}
    assert roles["main"] == "source" and roles["helper"] == "target" and len(roles) >= 3
    assert found["directed"] and found["counts"]["edges"] == len(roles) - 1
    hit = build(session, alice, pid, "impact", node=helper, depth=2)
    assert {"run", "go", "main"} <= labels(hit)
    with pytest.raises(ValidationFailed):
        build(session, alice, pid, "path", source=main)


def test_dependencies_show_versions_and_users(session, graph):
    alice, pid, nid = graph
    deps = build(session, alice, pid, "dependencies")
    os_node = next(n["data"] for n in deps["elements"]["nodes"] if n["data"]["label"] == "os")
    assert os_node["version"] == "3.11" and os_node["size"] == 1
    assert edge_between(deps, nid("module", "pkg.app"), os_node["id"])["kind"] == "depends_on"


def test_findings_filtered_by_severity(session, graph):
    alice, pid, _ = graph
    found = build(session, alice, pid, "findings")
    assert labels(found) == {"no-eval", "main"}
    assert next(n for n in found["elements"]["nodes"] if n["data"]["label"] == "no-eval")[
        "data"]["severity"] == "error"  # fmt: skip
    warnings_only = views.Filters(severities=frozenset({"warning"}))
    assert build(session, alice, pid, "findings", filters=warnings_only)["counts"]["nodes"] == 0


def test_coverage_values_and_range(session, graph):
    alice, pid, nid = graph
    util = nid("module", "pkg.util")
    opened = build(session, alice, pid, "overview", expanded=[util])
    cov = {n["data"]["label"]: n["data"].get("coverage") for n in opened["elements"]["nodes"]}
    assert opened["has_coverage"] and cov["helper"] == 100.0 and cov["pkg.app"] == 30.0
    low = views.Filters(coverage_min=0, coverage_max=50)
    assert labels(build(session, alice, pid, "overview", filters=low)) == {"pkg.app"}


def test_language_folder_kind_and_confidence_filters(session, graph):
    alice, pid, _ = graph
    js = build(session, alice, pid, "overview", filters=views.Filters(language="javascript"))
    assert labels(js) == {"web.lib", "web"}
    sub = build(session, alice, pid, "overview", filters=views.Filters(folder="pkg/sub"))
    assert labels(sub) == {"pkg.sub", "pkg.sub.deep"}
    sure = build(session, alice, pid, "overview", filters=views.Filters(min_confidence=1.01))
    assert sure["counts"]["edges"] == 0
    with pytest.raises(ValidationFailed):
        explorer.parse_filters(coverage_min=80, coverage_max=20)


def test_budget_cuts_and_says_so(session, graph):
    alice, pid, nid = graph
    util = nid("module", "pkg.util")
    small = build(session, alice, pid, "overview", budget=6, expanded=[util])
    assert small["counts"]["nodes"] + small["counts"]["edges"] <= 6 and small["truncated"]
    with pytest.raises(ValidationFailed):
        build(session, alice, pid, "overview", budget=views.MAX_BUDGET + 1)
    with pytest.raises(ValidationFailed):
        build(session, alice, pid, "nonsense")


def test_strangers_and_unindexed_projects_get_not_found(session, graph, make_user):
    _, pid, _ = graph
    bob = make_user("bob")
    with pytest.raises(NotFound):
        build(session, bob, pid, "overview")
    empty = projects.create_project(bob, name="Empty", session=session).project.id
    with pytest.raises(NotFound):
        build(session, bob, empty, "overview")
    assert explorer.explorer_status(bob, empty, session=session)["has_files"] is False


def test_node_panel_has_callers_findings_and_package(session, graph):
    alice, pid, nid = graph
    panel = explorer.node_panel(alice, pid, nid("function", "pkg.util.helper"), session=session)
    assert panel["docstring"] == "Add one." and panel["package"] == "pkg"
    assert {"run", "go"} <= {c["name"] for c in panel["callers"]}
    assert panel["attrs"]["coverage"]["percent"] == 100.0
    main = explorer.node_panel(alice, pid, nid("function", "pkg.app.main"), session=session)
    assert [f["name"] for f in main["findings"]] == ["no-eval"]


def test_views_api_and_view_export_round_trip(login, session, graph):
    alice, pid, nid = graph
    client = login(alice)
    base = f"/api/v1/projects/{pid}/graph/views"
    util = nid("module", "pkg.util")
    got = client.get(f"{base}/overview", params={"expanded": util, "kind": ["module", "function"]})
    assert got.status_code == 200, got.text
    kinds = {n["data"]["kind"] for n in got.json()["elements"]["nodes"]}
    assert kinds == {"module", "function"}
    graphml = client.get(f"{base}/overview/export", params={"format": "graphml", "expanded": util})
    assert graphml.status_code == 200 and "attachment" in graphml.headers["content-disposition"]
    back = nx.read_graphml(io.BytesIO(graphml.content))
    assert nid("function", "pkg.util.helper") in back and back.number_of_edges() > 0
    gexf = client.get(f"{base}/findings/export", params={"format": "gexf"})
    assert nx.read_gexf(io.BytesIO(gexf.content)).number_of_nodes() == 2
    assert client.get(f"{base}/overview/export", params={"format": "turtle"}).status_code == 400
    assert client.get(f"{base}/overview", params={"min_confidence": 3}).status_code == 422
    bad = client.get(f"{base}/overview", params={"severity": "fatal"})
    assert bad.status_code == 400 and bad.json()["error"]["message"].startswith("unknown severity")
    panel = client.get(f"{base}/-/nodes/{nid('function', 'pkg.util.helper')}").json()
    assert panel["callers"] and panel["signature"].startswith("def helper")


def test_a_large_overview_stays_within_the_budget():
    g = synthetic_graph(modules=2000, per_module=10)
    result = views.build(g, "overview", params={}, filters=ALL)
    assert result["level"] == "package"
    total = result["counts"]["nodes"] + result["counts"]["edges"]
    assert 0 < total <= views.MAX_BUDGET
    modules = views.build(g, "overview", params={"level": "module"}, filters=ALL)
    assert modules["counts"]["nodes"] + modules["counts"]["edges"] <= views.MAX_BUDGET
    assert modules["truncated"]


def synthetic_graph(*, modules: int, per_module: int, folders: int = 40) -> nx.MultiDiGraph:
    """Modules in folders, each defining functions that call functions of later modules."""
    g = nx.MultiDiGraph()
    for f in range(folders):
        g.add_node(f"d{f}", kind="directory", qname=f"src/p{f}", name=f"p{f}", language="",
                   file=f"src/p{f}", start_line=0, end_line=0)  # fmt: skip
    calls = []
    for m in range(modules):
        path = f"src/p{m % folders}/m{m}.py"
        g.add_node(f"m{m}", kind="module", qname=f"p{m % folders}.m{m}", name=f"m{m}",
                   language="python", file=path, start_line=1, end_line=99)  # fmt: skip
        for i in range(per_module):
            fn = f"m{m}f{i}"
            g.add_node(fn, kind="function", qname=f"p{m % folders}.m{m}.f{i}", name=f"f{i}",
                       language="python", file=path, start_line=i + 1, end_line=i + 2)  # fmt: skip
            g.add_edge(f"m{m}", fn, key="defines", kind="defines", confidence=1.0)
            calls.append((fn, f"m{(m * 7 + i * 13 + 1) % modules}f{(i + 3) % per_module}"))
    for source, target in calls:
        g.add_edge(source, target, key="calls", kind="calls", confidence=0.9)
    return g


def test_layouts_are_stored_per_view_and_seed_the_next_generation(login, session, graph):
    alice, pid, _ = graph
    client = login(alice)
    base = f"/api/v1/projects/{pid}/graph/views"
    first = client.get(f"{base}/overview").json()
    assert first["layout"] == "none" and first["positions"] == {}
    ids = [n["data"]["id"] for n in first["elements"]["nodes"]]
    body = {"key": first["key"], "generation": first["generation"]}
    positions = {i: [10.0 * k, -5.0 * k] for k, i in enumerate(ids)}
    saved = client.put(f"{base}/-/layout", json={**body, "positions": {**positions, "x": [1, 2]}})
    assert saved.status_code == 200 and saved.json() == {"stored": len(ids)}
    again = client.get(f"{base}/overview").json()
    assert again["layout"] == "exact"
    assert again["positions"] == {i: list(p) for i, p in positions.items()}
    other = client.get(f"{base}/overview", params={"level": "package"}).json()
    assert other["layout"] == "none"

    row = service.project_index(alice, pid, session=session)
    store.save_graph(session, row, store.load_graph(session, row.id))  # the graph changed
    session.commit()
    seeded = client.get(f"{base}/overview").json()
    assert seeded["generation"] == first["generation"] + 1 and seeded["layout"] == "seeded"
    stale = client.put(f"{base}/-/layout", json={**body, "positions": positions})
    assert stale.json() == {"stored": 0}
    ahead = client.put(f"{base}/-/layout", json={**body, "generation": 99, "positions": {}})
    assert ahead.status_code == 400
    bad = client.put(f"{base}/-/layout", json={**body, "positions": {ids[0]: ["nan", 1]}})
    assert bad.status_code == 422


def test_the_opening_view_is_the_default_overview_by_slug(login, session, graph, make_user):
    alice, pid, _ = graph
    client = login(alice)
    slug = projects.get_project(alice, pid, session=session).project.slug
    base = f"/api/v1/projects/{pid}/graph/views"
    default = client.get(f"{base}/overview", params={"level": "auto", "g": 1}).json()
    for ref in (slug, str(pid)):
        got = client.get(f"/api/v1/projects/{ref}/graph/views/-/opening")
        assert got.status_code == 200, got.text
        assert got.json() == {**default, "project_id": pid}
    assert got.headers["cache-control"] == "private, no-store"
    missing = client.get("/api/v1/projects/no-such-project/graph/views/-/opening")
    assert missing.status_code == 404
    stranger = login(make_user("mallory"))
    assert stranger.get(f"/api/v1/projects/{slug}/graph/views/-/opening").status_code == 404


def test_a_stranger_cannot_store_a_layout(login, session, graph, make_user):
    _, pid, _ = graph
    client = login(make_user("mallory"))
    body = {"key": "overview|auto|||", "generation": 1, "positions": {}}
    assert client.put(f"/api/v1/projects/{pid}/graph/views/-/layout", json=body).status_code == 404


def test_a_built_view_is_reused_until_the_graph_changes(session, graph):
    alice, pid, nid = graph
    util = nid("module", "pkg.util")
    first = build(session, alice, pid, "overview", expanded=[util])
    again = build(session, alice, pid, "overview", expanded=[util])
    assert again["elements"] is first["elements"]
    other = build(session, alice, pid, "overview")
    assert other["elements"] is not first["elements"]
    row = service.project_index(alice, pid, session=session)
    store.save_graph(session, row, store.load_graph(session, row.id))
    session.commit()
    rebuilt = build(session, alice, pid, "overview", expanded=[util])
    assert rebuilt["elements"] is not first["elements"] and rebuilt["elements"] == first["elements"]


def test_big_views_and_exports_are_sent_gzipped_to_clients_that_take_it(
    login, session, graph, monkeypatch
):
    from vibe.core import web

    alice, pid, _ = graph
    client = login(alice)
    base = f"/api/v1/projects/{pid}/graph/views"
    small = client.get(f"{base}/-/opening")  # the fixture's views are far below the threshold
    assert "content-encoding" not in small.headers and small.headers["vary"] == "Accept-Encoding"
    monkeypatch.setattr(web, "GZIP_FROM", 0)
    for url in (f"{base}/-/opening", f"{base}/overview"):
        raw = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert raw.headers["content-encoding"] == "gzip", url
        assert raw.headers["cache-control"] == "private, no-store"
        plain = client.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
        assert "content-encoding" not in plain.headers
        assert plain.json() == raw.json()  # the client decoded the gzipped one: the same view
    exports = (f"{base}/overview/export?format=graphml", f"/api/v1/projects/{pid}/graph/export")
    for url in exports:
        raw = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert raw.status_code == 200, raw.text
        assert raw.headers["content-encoding"] == "gzip", url
        assert "attachment" in raw.headers["content-disposition"]
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == raw.content


@pytest.mark.parametrize(
    ("header", "taken"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("*", True),
        ("GZIP", True),
        ("gzip;q=0", False),
        ("gzip;q=0.0, identity", False),
        ("identity", False),
        ("", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding_is_read_as_http_says(header: str, taken: bool) -> None:
    from vibe.core.web import accepts_encoding

    assert accepts_encoding(header, "gzip") is taken
