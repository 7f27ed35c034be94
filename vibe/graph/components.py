"""Pieces of the graph explorer page: header, sidebar (search, view, filters, legend), canvas
area, details panel and the empty / failed states."""

from __future__ import annotations

import reflex as rx

from vibe.graph.cytoscape import (
    EDGE_STYLES,
    NODE_STYLES,
    after_graph_frame,
    graph_canvas,
    stylesheet_spec,
)
from vibe.graph.explorer_state import ExplorerState as S
from vibe.ui import routes, shell

BORDER = "1px solid var(--gray-5)"
VIEW_LABELS = [
    ("overview", "Overview"),
    ("neighbourhood", "Neighbourhood"),
    ("path", "Path"),
    ("impact", "Impact"),
    ("dependencies", "Dependencies"),
    ("findings", "Findings"),
]
FILTER_NODE_KINDS = ("module", "class", "function", "method", "external_package", "finding")
FILTER_EDGE_KINDS = ("imports", "calls", "inherits", "instantiates", "references", "depends_on")
IMAGE_EXPORTS = [("png", "PNG image"), ("svg", "SVG image"), ("cytoscape", "Cytoscape JSON")]
DATA_EXPORTS = [("graphml", "GraphML"), ("gexf", "GEXF")]


def section(title: str | rx.Var, *children: rx.Component, **props) -> rx.Component:
    return rx.vstack(
        rx.text(title, size="1", weight="bold", color_scheme="gray", trim="both"),
        *children,
        spacing="2",
        width="100%",
        **props,
    )


# -- header -----------------------------------------------------------------------------------
def index_controls() -> rx.Component:
    progress = rx.hstack(
        rx.progress(value=S.progress, max=100, width="160px", id="index-progress"),
        rx.text(
            S.progress_message, size="1", color_scheme="gray", max_width="200px", truncate=True
        ),
        rx.button(
            "Cancel",
            size="1",
            variant="soft",
            color_scheme="red",
            on_click=S.cancel_index,
            id="cancel-index",
        ),
        align="center",
        spacing="2",
    )
    start = rx.button(
        rx.icon("refresh-cw", size=14),
        rx.cond(S.generation > 0, "Re-index", "Index now"),
        size="2",
        variant="soft",
        on_click=S.start_index,
        id="index-graph",
        disabled=~S.can_edit,
    )
    return rx.cond(S.indexing, progress, start)


def export_menu() -> rx.Component:
    def link(fmt: str, label: str, base: rx.Var, scope: str) -> rx.Component:
        sep = rx.cond(base.contains("?"), "&", "?")  # type: ignore[attr-defined]
        return rx.button(
            label,
            size="1",
            variant="ghost",
            width="100%",
            justify="start",
            on_click=rx.download(url=base + sep + f"format={fmt}"),
            id=f"export-{scope}-{fmt}",
        )

    image = [
        rx.button(
            label,
            size="1",
            variant="ghost",
            width="100%",
            justify="start",
            on_click=S.export_image(fmt),
            id=f"export-image-{fmt}",
        )
        for fmt, label in IMAGE_EXPORTS
    ]
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("download", size=14),
                "Export",
                size="2",
                variant="soft",
                id="export-menu",
                disabled=S.phase != "ready",
            ),
        ),
        rx.popover.content(
            rx.vstack(
                section("This view", *image),
                *[link(f, label, S.view_export_base, "view") for f, label in DATA_EXPORTS],
                rx.separator(size="4"),
                section(
                    "Whole graph",
                    *[link(f, label, S.graph_export_base, "graph") for f, label in DATA_EXPORTS],
                    link("cytoscape", "Cytoscape JSON", S.graph_export_base, "graph"),
                ),
                spacing="2",
                width="180px",
            ),
            side="bottom",
            align="end",
        ),
    )


def header() -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.heading("Knowledge graph", size="5"),
            rx.hstack(
                rx.link(S.project_name, href=routes.project("") + S.slug, size="2"),
                rx.cond(
                    S.generation > 0,
                    rx.text(
                        f"{S.totals['files']} files · {S.totals['nodes']} nodes · "
                        f"{S.totals['edges']} edges",
                        size="2",
                        color_scheme="gray",
                        id="graph-totals",
                    ),
                ),
                spacing="3",
                align="center",
            ),
            spacing="1",
        ),
        rx.spacer(),
        rx.cond(S.phase == "ready", rx.hstack(index_controls(), export_menu(), spacing="3")),
        align="center",
        width="100%",
        padding_x="var(--space-5)",
        padding_y="var(--space-3)",
        border_bottom=BORDER,
        background="var(--color-panel-solid)",
    )


# -- sidebar ----------------------------------------------------------------------------------
def search_box() -> rx.Component:
    result = lambda r: rx.box(  # noqa: E731
        rx.hstack(
            rx.badge(r["kind"], size="1", variant="soft"),
            rx.text(r["label"], size="2", truncate=True),
            spacing="2",
            align="center",
        ),
        rx.text(r["where"], size="1", color_scheme="gray", truncate=True),
        on_click=S.pick(r["id"]),
        class_name="graph-search-result",
        padding="var(--space-2)",
        cursor="pointer",
        border_radius="var(--radius-2)",
        _hover={"background": "var(--accent-3)"},
    )
    return rx.box(
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Search symbols…",
            value=S.query,
            on_change=S.search.debounce(250),  # type: ignore[attr-defined]
            id="graph-search",
            width="100%",
        ),
        rx.cond(
            S.results.length() > 0,
            rx.card(
                rx.foreach(S.results, result),
                position="absolute",
                top="40px",
                left="0",
                right="0",
                z_index="20",
                padding="var(--space-1)",
                id="graph-search-results",
            ),
        ),
        position="relative",
        width="100%",
    )


def view_picker() -> rx.Component:
    return section(
        "View",
        rx.select.root(
            rx.select.trigger(width="100%", id="view-select"),
            rx.select.content(*[rx.select.item(label, value=v) for v, label in VIEW_LABELS]),
            value=S.view,
            on_change=S.set_view,
        ),
        rx.match(
            S.view,
            ("overview", overview_options()),
            ("neighbourhood", depth_control()),
            ("impact", depth_control()),
            ("path", path_options()),
            (
                "dependencies",
                rx.checkbox(
                    "Include the standard library",
                    checked=S.stdlib,
                    on_change=S.set_stdlib,
                    size="1",
                ),
            ),
            rx.fragment(),
        ),
    )


def overview_options() -> rx.Component:
    return rx.vstack(
        rx.segmented_control.root(
            rx.segmented_control.item("Auto", value="auto"),
            rx.segmented_control.item("Modules", value="module"),
            rx.segmented_control.item("Packages", value="package"),
            value=S.level,
            on_change=S.set_level,
            size="1",
            width="100%",
        ),
        rx.text("Double-click a module to expand or collapse it.", size="1", color_scheme="gray"),
        rx.cond(
            S.expanded.length() > 0,
            rx.button(
                f"Collapse all ({S.expanded.length()})",
                size="1",
                variant="ghost",
                on_click=S.collapse_all,
                id="collapse-all",
            ),
        ),
        spacing="2",
        width="100%",
    )


def depth_control() -> rx.Component:
    return rx.vstack(
        rx.cond(S.center_label != "", rx.text("Around ", rx.code(S.center_label), size="1")),
        rx.text(f"Depth {S.depth}", size="1", color_scheme="gray"),
        rx.slider(
            value=[S.depth],
            min=1,
            max=5,
            step=1,
            on_change=S.set_depth,
            size="1",
            id="depth-slider",
        ),
        spacing="2",
        width="100%",
    )


def path_options() -> rx.Component:
    def end(label: str, value: rx.Var) -> rx.Component:
        shown = rx.cond(value != "", rx.code(value), rx.text("not chosen", color_scheme="gray"))
        return rx.text(label, " ", shown, size="1")

    return rx.vstack(
        end("From", S.source_label),
        end("To", S.target_label),
        rx.button("Swap ends", size="1", variant="ghost", on_click=S.swap_path),
        spacing="1",
        width="100%",
    )


def checks(kinds: tuple[str, ...], chosen: rx.Var, handler) -> rx.Component:
    return rx.grid(
        *[
            rx.checkbox(
                k.replace("_", " "),
                checked=chosen.contains(k),
                size="1",
                on_change=lambda on, k=k: handler(k, on),
            )
            for k in kinds
        ],
        columns="2",
        gap="2",
        width="100%",
    )


def filters() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Filters", size="2", weight="bold"),
            rx.spacer(),
            rx.button("Clear", size="1", variant="ghost", on_click=S.clear_filters),
            width="100%",
            align="center",
        ),
        section("Node kinds", checks(FILTER_NODE_KINDS, S.node_kinds, S.toggle_node_kind)),
        section("Edge kinds", checks(FILTER_EDGE_KINDS, S.edge_kinds, S.toggle_edge_kind)),
        section(
            "Language",
            rx.select.root(
                rx.select.trigger(width="100%"),
                rx.select.content(
                    rx.select.item("All languages", value="all"),
                    rx.foreach(S.languages, lambda lang: rx.select.item(lang, value=lang)),
                ),
                value=S.language,
                on_change=S.set_language,
                size="1",
            ),
        ),
        section(
            "Folder",
            rx.input(
                placeholder="e.g. src/app",
                value=S.folder,
                size="1",
                on_change=S.set_folder.debounce(400),
            ),
        ),  # type: ignore[attr-defined]
        section(
            f"Edge confidence ≥ {S.min_confidence}",
            rx.slider(
                value=[S.min_confidence],
                min=0,
                max=1,
                step=0.05,
                size="1",
                on_value_commit=S.set_confidence,
            ),
        ),
        section(
            "Finding severity",
            checks(("error", "warning", "info"), S.severities, S.toggle_severity),
        ),
        section(
            f"Coverage {S.coverage[0]}–{S.coverage[1]} %",
            rx.slider(
                value=S.coverage, min=0, max=100, step=5, size="1", on_value_commit=S.set_coverage
            ),
        ),
        spacing="3",
        width="100%",
    )


def legend() -> rx.Component:
    shapes = {"round-rectangle": "3px", "ellipse": "50%", "rectangle": "0"}
    node_rows = [
        rx.hstack(
            rx.box(
                width="12px",
                height="12px",
                background=colour,
                border_radius=shapes.get(shape, "2px"),
                transform="rotate(45deg)" if shape == "diamond" else "none",
            ),
            rx.text(label, size="1"),
            spacing="2",
            align="center",
        )
        for shape, colour, label in NODE_STYLES.values()
        if label not in ("File", "Repository")
    ]
    edge_rows = [
        rx.hstack(
            rx.box(width="16px", height="3px", background=colour),
            rx.text(label, size="1"),
            spacing="2",
            align="center",
        )
        for colour, label in list(EDGE_STYLES.values())[:6]
    ]
    return section(
        "Legend",
        rx.grid(*node_rows, columns="2", gap="1", width="100%"),
        rx.grid(*edge_rows, columns="2", gap="1", width="100%"),
        rx.cond(
            S.overlay,
            rx.hstack(
                rx.text("0 %", size="1"),
                rx.box(
                    height="8px",
                    flex="1",
                    border_radius="4px",
                    background="linear-gradient(90deg, #e5484d, #30a46c)",
                ),
                rx.text("100 %", size="1"),
                width="100%",
                align="center",
                spacing="2",
            ),
        ),
        id="graph-legend",
    )


def sidebar() -> rx.Component:
    return rx.scroll_area(
        rx.vstack(
            search_box(),
            view_picker(),
            after_graph_frame(
                rx.vstack(
                    rx.separator(size="4"),
                    filters(),
                    rx.separator(size="4"),
                    legend(),
                    spacing="4",
                    width="100%",
                ),
            ),
            spacing="4",
            padding="var(--space-4)",
            width="100%",
        ),
        type="auto",
        scrollbars="vertical",
        width="300px",
        flex_shrink="0",
        height="100%",
        border_right=BORDER,
        background="var(--color-panel-solid)",
    )


# -- canvas -----------------------------------------------------------------------------------
def toolbar() -> rx.Component:
    return rx.hstack(
        rx.cond(
            S.shown.contains("nodes"),
            rx.text(
                f"{S.shown['nodes']} nodes · {S.shown['edges']} edges",
                size="1",
                color_scheme="gray",
                id="shown-counts",
            ),
        ),
        rx.cond(
            S.truncated,
            rx.tooltip(
                rx.badge("Cut to budget", color_scheme="amber"),
                content="This view has more than the browser can draw; narrow it with filters.",
            ),
        ),
        rx.spacer(),
        rx.cond(
            S.has_coverage,
            rx.hstack(
                rx.switch(
                    checked=S.overlay, on_change=S.set_overlay, size="1", id="coverage-overlay"
                ),
                rx.text("Coverage", size="1"),
                spacing="1",
                align="center",
            ),
        ),
        rx.tooltip(
            rx.hstack(
                rx.switch(checked=S.use_webgl, on_change=S.set_webgl, size="1", id="webgl-toggle"),
                rx.text("WebGL", size="1"),
                rx.cond(
                    S.renderer == "canvas-fallback",
                    rx.badge("unavailable", color_scheme="amber", size="1", id="webgl-unavailable"),
                ),
                spacing="1",
                align="center",
            ),
            content=rx.cond(
                S.renderer == "canvas-fallback",
                "This browser has no WebGL2, so the graph is drawn on a plain canvas.",
                "Draw with the GPU (this browser only): faster on discrete GPUs.",
            ),
        ),
        spacing="3",
        align="center",
        padding_x="var(--space-3)",
        height="36px",
        border_bottom=BORDER,
        background="var(--gray-2)",
        width="100%",
    )


def canvas_area() -> rx.Component:
    hint = shell.empty_state(
        "mouse-pointer-click",
        "Choose a node",
        rx.cond(
            S.view == "path",
            "Select a node and use “Path from here”, then another and “Path to here”.",
            "Search for a symbol or click one in the overview first.",
        ),
    )
    return rx.vstack(
        toolbar(),
        rx.box(
            rx.cond(
                S.needs_node,
                rx.center(rx.box(hint, max_width="420px"), height="100%"),
                graph_canvas(
                    id="graph-canvas",
                    src=S.view_url,
                    project_key=S.slug,
                    reload_nonce=S.reload_nonce,
                    webgl=S.use_webgl,
                    overlay=S.overlay,
                    focus=S.focus,
                    focus_nonce=S.focus_nonce,
                    export_format=S.export_format,
                    export_nonce=S.export_nonce,
                    styles=stylesheet_spec(),
                    on_select=S.select,
                    on_expand=S.toggle_expand,
                    on_loaded=S.view_loaded,
                    on_error=S.view_failed,
                ),
            ),
            flex="1",
            width="100%",
            min_height="0",
            position="relative",
        ),
        spacing="0",
        flex="1",
        min_width="0",
        height="100%",
    )


# -- details ----------------------------------------------------------------------------------
def related_list(title: str, rows: rx.Var, prefix: str) -> rx.Component:
    return rx.cond(
        rows.length() > 0,
        section(
            title,
            rx.foreach(
                rows,
                lambda r: rx.box(
                    rx.text(r["label"], size="1", truncate=True),
                    on_click=S.pick(r["id"]),
                    cursor="pointer",
                    class_name=f"{prefix}-row",
                    _hover={"color": "var(--accent-11)"},
                ),
            ),
        ),
    )


def fact(label: str, value: rx.Var, **props) -> rx.Component:
    return rx.cond(
        value != "",
        rx.hstack(
            rx.text(label, size="1", color_scheme="gray", width="70px", flex_shrink="0"),
            rx.text(value, size="1", **props),
            spacing="2",
            width="100%",
        ),
    )


def details_panel() -> rx.Component:
    sel = S.selected
    actions = rx.flex(
        rx.cond(
            sel["expandable"] == "true",
            rx.button(
                rx.cond(sel["expanded"] == "true", "Collapse", "Expand"),
                size="1",
                variant="soft",
                on_click=S.toggle_expand(sel["id"]),
                id="node-expand",
                disabled=S.view != "overview",
            ),
        ),
        rx.button(
            "Neighbourhood",
            size="1",
            variant="soft",
            on_click=S.show_around("neighbourhood"),
            id="node-neighbourhood",
        ),
        rx.button("Impact", size="1", variant="soft", on_click=S.show_around("impact")),
        rx.button("Path from here", size="1", variant="soft", on_click=S.path_end("source")),
        rx.button("Path to here", size="1", variant="soft", on_click=S.path_end("target")),
        wrap="wrap",
        gap="2",
    )
    body = rx.vstack(
        rx.hstack(
            rx.badge(sel["kind"], variant="soft"),
            rx.spacer(),
            rx.icon_button(
                rx.icon("x", size=14), size="1", variant="ghost", on_click=S.select({"id": ""})
            ),
            width="100%",
            align="center",
        ),
        rx.heading(sel["name"], size="3", id="details-name"),
        rx.text(sel["label"], size="1", color_scheme="gray", style={"word-break": "break-all"}),
        rx.cond(
            sel["signature"] != "",
            rx.code_block(
                sel["signature"],
                language=sel["language"],
                custom_attrs={"data-language": sel["language"]},
                wrap_long_lines=True,
                font_size="12px",
                width="100%",
            ),
        ),
        rx.cond(
            sel["docstring"] != "",
            rx.text(sel["docstring"], size="1", white_space="pre-wrap", color_scheme="gray"),
        ),
        fact("Package", sel["package"]),
        fact("Version", sel["version"]),
        fact("Coverage", sel["coverage"]),
        rx.cond(
            sel["ide_url"] != "",
            rx.link(
                rx.hstack(
                    rx.icon("file-code-2", size=14),
                    rx.text(sel["where"], size="1"),
                    spacing="1",
                    align="center",
                ),
                href=sel["ide_url"],
                id="node-open-ide",
            ),
        ),
        actions,
        related_list("Callers", S.callers, "caller"),
        related_list("Callees", S.callees, "callee"),
        related_list("Findings", S.findings, "finding"),
        spacing="3",
        padding="var(--space-4)",
        width="100%",
    )
    return rx.cond(
        sel.contains("id"),
        rx.scroll_area(
            body,
            type="auto",
            scrollbars="vertical",
            width="320px",
            flex_shrink="0",
            height="100%",
            border_left=BORDER,
            background="var(--color-panel-solid)",
            id="details-panel",
        ),
    )
