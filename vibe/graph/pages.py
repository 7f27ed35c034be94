"""/projects/[slug]/graph: the knowledge graph explorer."""

from __future__ import annotations

import reflex as rx

from vibe.auth.state import SessionState
from vibe.graph import components as c
from vibe.graph.explorer_state import ExplorerState as S
from vibe.ui import assets, routes, shell

ROUTE = "/projects/[slug]/graph"
# The canvas's script asks for the opening view before anything else (vibe/graph/graph_canvas.jsx):
# the page's head starts that request while the script is still loading.
assets.early_fetch(ROUTE, f"{routes.API}/projects/{{slug}}/graph/views/-/opening")


def graph_url(slug: str) -> str:
    return f"{routes.project(slug)}/graph"


def index_card(icon: str, title: str, text: rx.Var | str, *, retry: bool) -> rx.Component:
    label = "Try again" if retry else "Index this project"
    start = rx.button(
        rx.icon("play", size=14),
        label,
        on_click=S.start_index,
        disabled=~S.can_edit,
        id="index-graph-empty",
    )
    working = rx.vstack(
        rx.progress(value=S.progress, max=100, width="280px", id="index-progress-empty"),
        rx.text(S.progress_message, size="1", color_scheme="gray"),
        align="center",
        spacing="2",
    )
    return shell.empty_state(icon, title, text, rx.cond(S.indexing, working, start))


def states() -> rx.Component:
    """Everything except the explorer itself: missing, no files, not indexed, failed."""
    files_link = rx.link(
        rx.button("Open the project", variant="soft"), href=routes.project("") + S.slug
    )
    return rx.center(
        rx.box(
            rx.match(
                S.phase,
                (
                    "missing",
                    shell.empty_state(
                        "search-x",
                        "Project not found",
                        "It does not exist, or you are not a member of it.",
                        rx.link(rx.button("All projects", variant="soft"), href=routes.PROJECTS),
                    ),
                ),
                (
                    "no_files",
                    shell.empty_state(
                        "folder-open",
                        "No files yet",
                        "Add some code to this project, then build its knowledge graph here.",
                        files_link,
                    ),
                ),
                (
                    "failed",
                    index_card("triangle-alert", "Indexing failed", S.index_error, retry=True),
                ),
                index_card(
                    "network",
                    "Not indexed yet",
                    "Build the knowledge graph of this "
                    "project's code: modules, classes, functions, calls and imports.",
                    retry=False,
                ),
            ),
            width="100%",
            max_width="520px",
            id="graph-state",
        ),
        flex="1",
        width="100%",
        padding="var(--space-6)",
    )


@rx.page(
    route=ROUTE,
    title="Knowledge graph · Vibe",
    on_load=[SessionState.require_login, S.load],
)
def explorer() -> rx.Component:
    return rx.vstack(
        shell.top_bar(),
        c.header(),
        rx.cond(
            # While the state loads, the canvas is already there: it draws the opening view its
            # script asked for meanwhile (see graph_canvas.jsx), instead of waiting for the state.
            (S.phase == "ready") | (S.phase == "loading"),
            rx.hstack(
                c.sidebar(),
                c.canvas_area(),
                c.details_panel(),
                spacing="0",
                flex="1",
                width="100%",
                min_height="0",
                align="stretch",
            ),
            states(),
        ),
        spacing="0",
        height="100vh",
        width="100%",
        background="var(--gray-2)",
    )
