"""Cytoscape.js, bundled from npm, as a Reflex component that fetches its own elements.

The JavaScript is an ES module, ``graph_canvas.jsx`` next to this module (a shared asset), which
both components import: its imports (``cytoscape``, ``cytoscape-fcose``, ``cytoscape-svg``)
resolve against the app's own ``node_modules`` and Vite bundles them: no CDN. It is a module of
its own, not Reflex custom code, because custom code is copied into every page module that renders
a component bringing it: the canvas (memoized by Reflex, as it reads state) and the sidebar's
wrapper (in the route) each got a copy, each with its own module state, and the second copy asked
for the opening view a second time. The layout worker (``layout_worker.js``, a shared asset too)
is imported with Vite's ``?worker`` suffix, so Vite bundles it with its own copy of Cytoscape and
fcose. The component gets a view URL, fetches the JSON itself and reports only small facts back
(counts, the selected node), so Reflex state never holds graph elements.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import passthrough_event_spec

CYTOSCAPE = "cytoscape@3.35.0"
FCOSE = "cytoscape-fcose@2.2.0"
SVG = "cytoscape-svg@0.4.0"
rx.asset("layout_worker.js", shared=True)  # copied next to graph_canvas.jsx, which imports it
MODULE = rx.asset("graph_canvas.jsx", shared=True).importable_path

# Kind → (shape, colour, label): the component's stylesheet and the page's legend share these.
NODE_STYLES: dict[str, tuple[str, str, str]] = {
    "directory": ("round-rectangle", "#8b8d98", "Package / folder"),
    "module": ("round-rectangle", "#3e63dd", "Module"),
    "class": ("diamond", "#8e4ec6", "Class"),
    "function": ("ellipse", "#12a594", "Function"),
    "method": ("ellipse", "#0d74ce", "Method"),
    "external_package": ("hexagon", "#f76b15", "External package"),
    "external_symbol": ("triangle", "#ffa057", "External symbol"),
    "finding": ("star", "#e5484d", "Finding"),
    "test": ("tag", "#46a758", "Test"),
    "file": ("rectangle", "#b9bbc6", "File"),
    "repository": ("octagon", "#60646c", "Repository"),
}
EDGE_STYLES: dict[str, tuple[str, str]] = {
    "imports": ("#8da4ef", "imports"),
    "calls": ("#12a594", "calls"),
    "inherits": ("#8e4ec6", "inherits"),
    "instantiates": ("#0d74ce", "instantiates"),
    "references": ("#b9bbc6", "references"),
    "depends_on": ("#f76b15", "depends on"),
    "defines": ("#d9d9e0", "defines"),
    "contains": ("#d9d9e0", "contains"),
    "has_finding": ("#e5484d", "has finding"),
    "covers": ("#46a758", "covers"),
}
SEVERITY_COLOURS = {"error": "#e5484d", "warning": "#f5a623", "info": "#0090ff"}


def stylesheet_spec() -> dict[str, Any]:
    return {
        "nodes": {k: {"shape": s, "color": c} for k, (s, c, _) in NODE_STYLES.items()},
        "edges": {k: c for k, (c, _) in EDGE_STYLES.items()},
        "severities": SEVERITY_COLOURS,
    }


class GraphCanvas(rx.Component):
    """The explorer's canvas: draws the view at `src`, reports selection and counts."""

    library = MODULE
    tag = "VibeGraph"
    lib_dependencies: list[str] = [CYTOSCAPE, FCOSE, SVG]

    src: rx.Var[str]
    project_key: rx.Var[str]
    reload_nonce: rx.Var[int]
    webgl: rx.Var[bool]
    overlay: rx.Var[bool]
    focus: rx.Var[str]
    focus_nonce: rx.Var[int]
    export_format: rx.Var[str]
    export_nonce: rx.Var[int]
    styles: rx.Var[dict[str, Any]]

    on_select: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_expand: rx.EventHandler[passthrough_event_spec(str)]
    on_loaded: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_error: rx.EventHandler[passthrough_event_spec(str)]


class AfterGraphFrame(rx.Component):
    """Renders its children once the page's canvas has shown its first view (or after a
    while): for panels a first look at the graph does not need."""

    library = MODULE
    tag = "VibeAfterGraph"


graph_canvas = GraphCanvas.create
after_graph_frame = AfterGraphFrame.create
