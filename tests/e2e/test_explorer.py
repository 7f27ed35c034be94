"""The knowledge graph explorer, end to end: index a small project, search, expand, open the
editor at a symbol's line and export the view as GraphML."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import networkx as nx
from playwright.sync_api import expect

from tests.e2e.conftest import shot

FILES = {
    "shop/__init__.py": '"""A tiny shop."""\n',
    "shop/prices.py": (
        '"""Prices."""\n\n\ndef discount(amount, rate):\n    """Take `rate` off."""\n'
        "    return amount * (1 - rate)\n\n\ndef total(items):\n"
        "    return sum(discount(i, 0.1) for i in items)\n"
    ),
    "shop/cart.py": (
        "from shop.prices import total\n\n\nclass Cart:\n    def __init__(self):\n"
        "        self.items = []\n\n    def checkout(self):\n        return total(self.items)\n"
    ),
    "shop/api.py": (
        "import json\n\nfrom shop.cart import Cart\n\n\ndef handle():\n"
        "    return json.dumps(Cart().checkout())\n"
    ),
}


def sign_in(page, live_app) -> None:
    page.goto(live_app.url("/login"))
    page.locator("#login-local").click()
    page.wait_for_url(re.compile(r".*/projects/?$"))


def api(page, live_app, method: str, path: str, body: dict | None = None):
    origin = {"Origin": live_app.base_url}
    call = getattr(page.context.request, method)
    res = call(live_app.url(path), data=body, headers=origin) if body else call(live_app.url(path))
    assert res.ok, f"{method} {path}: {res.status} {res.text()}"
    return res.json()


def make_project(page, live_app, name: str, files: dict[str, str]) -> dict:
    project = api(page, live_app, "post", "/api/v1/projects", {"name": name})
    for path, content in files.items():
        body = {"path": path, "content": content, "base_version": None}
        api(page, live_app, "put", f"/api/v1/projects/{project['id']}/files/content", body)
    return project


def test_explorer_golden_path(page, live_app):
    sign_in(page, live_app)
    project = make_project(page, live_app, f"Graph Shop {uuid.uuid4().hex[:6]}", FILES)
    slug = project["slug"]

    # Not indexed yet: its own state, then index from the page and watch it finish.
    page.goto(live_app.url(f"/projects/{slug}/graph"))
    expect(page.locator("#graph-state")).to_contain_text("Not indexed yet")
    shot(page, "explorer-01-not-indexed")
    page.locator("#index-graph-empty").click()
    canvas = page.locator("#graph-canvas")
    expect(canvas).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(page.locator("#graph-totals")).to_contain_text("files")
    expect(page.locator("#shown-counts")).to_contain_text("nodes")
    shot(page, "explorer-02-overview")

    # Search a symbol: it is revealed (its module expanded), highlighted and described.
    page.locator("#graph-search").fill("discount")
    results = page.locator(".graph-search-result")
    expect(results.first).to_contain_text("shop.prices.discount")
    results.first.click()
    expect(page.locator("#details-name")).to_have_text("discount")
    expect(page.locator("#details-panel")).to_contain_text("Take `rate` off.")
    signature = page.locator("#details-panel pre[data-language=python]")  # highlighted as Python
    expect(signature.locator(".token").first).to_have_text("def")
    expect(page.locator("#details-panel")).to_contain_text("total")  # its caller
    expect(canvas).to_have_attribute("data-state", "ready")
    selected = page.evaluate("() => window.__vibeCy.$(':selected').map((n) => n.data('label'))")
    assert selected == ["discount"]
    shot(page, "explorer-03-search-details")

    # Expand another module from the details panel, then collapse it again.
    page.locator("#graph-search").fill("shop.cart")
    page.locator(".graph-search-result").first.click()
    expect(page.locator("#details-name")).to_have_text("cart")
    page.locator("#node-expand").click()
    expect(page.locator("#node-expand")).to_have_text("Collapse")
    expect(canvas).to_have_attribute("data-state", "ready")
    page.wait_for_function("() => window.__vibeCy.$('[label = \"Cart\"]').length === 1")
    shot(page, "explorer-04-expanded")
    page.locator("#node-expand").click()
    page.wait_for_function("() => window.__vibeCy.$('[label = \"Cart\"]').length === 0")

    # Export the view as GraphML and read it back.
    page.locator("#export-menu").click()
    with page.expect_download() as download:
        page.locator("#export-view-graphml").click()
    graph = nx.read_graphml(download.value.path())
    assert "shop.prices" in {d.get("label") for _, d in graph.nodes(data=True)}
    assert graph.number_of_edges() > 0
    page.keyboard.press("Escape")
    # The picture as SVG: drawn by the exporter the canvas loads on first use.
    page.locator("#export-menu").click()
    with page.expect_download() as download:
        page.locator("#export-image-svg").click()
    svg = Path(download.value.path()).read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:500]
    assert "shop.prices" in svg
    page.keyboard.press("Escape")

    # A fresh visit asks for its opening view once: the page's head starts the request, and the
    # one module the canvas and the sidebar share takes its answer and draws it.
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/views/-/opening" in r.url else None)
    page.reload()
    expect(canvas).to_have_attribute("data-state", "ready")
    expect(page.locator("#graph-legend")).to_be_visible()  # rendered after the first frame
    assert asked == [live_app.url(f"/api/v1/projects/{slug}/graph/views/-/opening")]

    # Follow the symbol to the editor at its line.
    page.locator("#graph-search").fill("discount")
    page.locator(".graph-search-result").first.click()
    expect(page.locator("#node-open-ide")).to_contain_text("shop/prices.py:4")
    page.locator("#node-open-ide").click()
    page.wait_for_url(re.compile(rf".*/projects/{slug}\?.*"))
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"file": ["shop/prices.py"], "line": ["4"]}


def test_explorer_empty_project_and_link(page, live_app):
    sign_in(page, live_app)
    project = make_project(page, live_app, f"Nothing Here {uuid.uuid4().hex[:6]}", {})
    page.goto(live_app.url(f"/projects/{project['slug']}/settings"))
    page.locator("#graph-explorer-link").click()
    page.wait_for_url(re.compile(r".*/graph$"))
    expect(page.locator("#graph-state")).to_contain_text("No files yet")
    shot(page, "explorer-05-empty")
    page.goto(live_app.url("/projects/no-such-project/graph"))
    expect(page.locator("#graph-state")).to_contain_text("Project not found")


READY_LOG = """
Object.defineProperty(window, "__vibeGraphReady", {
  configurable: true,
  get() { return this.__vibeReadyValue; },
  set(value) { (window.__vibeReadyLog = window.__vibeReadyLog || []).push(value.renderer);
               this.__vibeReadyValue = value; },
});
"""
NO_WEBGL2 = """
const getContext = HTMLCanvasElement.prototype.getContext;
HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
  return kind === "webgl2" ? null : getContext.call(this, kind, ...rest);
};
window.localStorage.setItem("vibe_graph_webgl", "1");
"""


def test_webgl_switch_draws_with_webgl_and_falls_back_without_it(page, browser, live_app):
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    sign_in(page, live_app)
    project = make_project(page, live_app, f"Gl Shop {uuid.uuid4().hex[:6]}", FILES)
    url = live_app.url(f"/projects/{project['slug']}/graph")
    page.goto(url)
    page.locator("#index-graph-empty").click()
    canvas, engine = page.locator("#graph-canvas"), page.locator("#graph-canvas .vibe-graph-canvas")
    expect(canvas).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(engine).to_have_attribute("data-renderer", "canvas")

    # On: the view is drawn again by Cytoscape's WebGL renderer.
    page.locator("#webgl-toggle").click()
    expect(engine).to_have_attribute("data-renderer", "webgl")
    expect(canvas).to_have_attribute("data-state", "ready")
    expect(page.locator("#graph-canvas canvas[data-id=layer3-webgl]")).to_have_count(1)
    expect(page.locator("#webgl-unavailable")).to_have_count(0)
    shot(page, "explorer-06-webgl")

    # The choice is remembered, and a fresh visit draws with WebGL from its first frame on.
    page.add_init_script(READY_LOG)
    page.goto(url)
    expect(canvas).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(page.locator("#webgl-toggle")).to_have_attribute("data-state", "checked")
    assert set(page.evaluate("() => window.__vibeReadyLog")) == {"webgl"}

    # Off again: back to the plain canvas.
    page.locator("#webgl-toggle").click()
    expect(engine).to_have_attribute("data-renderer", "canvas")
    expect(canvas).to_have_attribute("data-state", "ready")
    assert errors == []

    # A browser without WebGL2: the switch stays on, the graph is drawn on a canvas and says so.
    plain = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        plain.add_cookies(page.context.cookies())
        plain.add_init_script(NO_WEBGL2)
        other = plain.new_page()
        other.goto(url)
        ready = other.locator("#graph-canvas")
        expect(ready).to_have_attribute("data-state", "ready", timeout=60_000)
        fallback = other.locator("#graph-canvas .vibe-graph-canvas")
        expect(fallback).to_have_attribute("data-renderer", "canvas-fallback")
        expect(other.locator("#webgl-unavailable")).to_be_visible()
        expect(other.locator("#webgl-toggle")).to_have_attribute("data-state", "checked")
        shot(other, "explorer-07-no-webgl")
    finally:
        plain.close()


def _many_modules(count: int) -> dict[str, str]:
    """Modules in six packages, each importing three others: a module-level overview of
    ``count`` nodes and ``3 * count`` import edges, a big view for the canvas."""
    files = {f"pkg{p}/__init__.py": "" for p in range(6)}
    for i in range(count):
        imports = "".join(
            f"from pkg{j % 6}.m{j} import f{j}\n" for j in ((i + 1 + k) % count for k in range(3))
        )
        files[f"pkg{i % 6}/m{i}.py"] = f"{imports}\n\ndef f{i}():\n    return {i}\n"
    return files


def test_big_view_carries_labels_only_where_they_can_be_read(page, live_app):
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    sign_in(page, live_app)
    project = make_project(page, live_app, f"Many {uuid.uuid4().hex[:6]}", _many_modules(330))
    page.goto(live_app.url(f"/projects/{project['slug']}/graph"))
    page.locator("#index-graph-empty").click()
    canvas = page.locator("#graph-canvas")
    expect(canvas).to_have_attribute("data-state", "ready", timeout=120_000)
    page.wait_for_function(  # the worker's layout in place (it fits the view again)
        "() => window.__vibeGraphLaidOut && window.__vibeGraphReady"
        " && window.__vibeGraphLaidOut.src === window.__vibeGraphReady.src",
        timeout=120_000,
    )
    # The filters and the legend follow the canvas's first frame.
    expect(page.locator("#graph-legend")).to_be_visible()
    cy = "window.__vibeCy"
    shown = page.evaluate(f"() => ({{ n: {cy}.nodes().length, all: {cy}.elements().length }})")
    assert shown["n"] >= 330 and shown["all"] > 1200, shown  # a big view (VIBE_BIG_VIEW)

    # Fitted, the view is too small for 11 px labels: no node carries one.
    state = """() => {
      const cy = window.__vibeCy, n = cy.nodes('[kind = "module"]')[0];
      return { zoom: cy.zoom(), labelled: cy.nodes('.vibe-lbl').length,
               label: n.pstyle('label').strValue, name: n.data('label'), id: n.id(),
               width: n.boundingBox({ includeLabels: false }).w };
    }"""
    fitted = page.evaluate(state)
    assert fitted["zoom"] < 9 / 11 and fitted["labelled"] == 0 and fitted["label"] == ""
    assert fitted["width"] > 0  # styled (sized) although its first style skipped the checks

    # Zoomed in far enough to read them, every node has its label; zoomed out, none again.
    page.evaluate(f"(id) => {cy}.zoom({{ level: 1.5, position: {cy}.$id(id).position() }})",
                  fitted["id"])  # fmt: skip
    near = page.evaluate(state)
    assert near["labelled"] == shown["n"] and near["label"] == near["name"] != ""
    shot(page, "explorer-08-big-view-zoomed-in")
    page.evaluate(f"(z) => {cy}.zoom(z)", fitted["zoom"])
    assert page.evaluate(state)["labelled"] == 0

    # A selected node shows its label at any zoom.
    picked = page.evaluate(
        f"(id) => {{ const n = {cy}.$id(id); n.select(); return n.pstyle('label').strValue; }}",
        fitted["id"],
    )
    assert picked == fitted["name"]

    # The picture of the view is drawn at its own scale, with every label; the canvas after it
    # is as it was.
    page.locator("#export-menu").click()
    with page.expect_download() as download:
        page.locator("#export-image-svg").click()
    svg = Path(download.value.path()).read_text(encoding="utf-8")
    names = page.evaluate(f"() => {cy}.nodes().map((n) => n.data('label'))")
    assert sum(f">{name}<" in svg for name in names) == len(names)
    page.keyboard.press("Escape")
    assert page.evaluate(state)["labelled"] == 0
    assert errors == []
