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
