"""/projects/[slug]: the editor. File tree, tabs, Monaco, search and git panels, and the slot on
the right where the AI assistant panel goes."""

from __future__ import annotations

import reflex as rx

from vibe.assistant.components import review_dialog
from vibe.assistant.state import AssistantState
from vibe.auth.state import SessionState
from vibe.editor import dialogs, panels
from vibe.editor.components import BORDER, editor_area, file_tree
from vibe.editor.git_state import GitState
from vibe.editor.state import EditorState
from vibe.projects.components import not_found, role_badge
from vibe.ui import routes, shell


def _rail_button(icon: str, label: str, name: str, *extra: rx.EventSpec) -> rx.Component:
    active = EditorState.sidebar == name
    return rx.tooltip(
        rx.icon_button(
            rx.icon(icon, size=18),
            variant=rx.cond(active, "soft", "ghost"),
            color_scheme=rx.cond(active, "indigo", "gray"),
            size="2",
            aria_label=label,
            id=f"rail-{name}",
            on_click=[EditorState.show_sidebar(name), *extra],
        ),
        content=label,
        side="right",
    )


def activity_rail() -> rx.Component:
    return rx.vstack(
        _rail_button("files", "Files", "files"),
        _rail_button("search", "Search (Ctrl+Shift+F)", "search"),
        _rail_button("git-branch", "Source control", "git", GitState.refresh),
        spacing="2",
        padding_y="var(--space-2)",
        align="center",
        width="44px",
        height="100%",
        flex_shrink="0",
        border_right=BORDER,
        background="var(--gray-2)",
    )


def sidebar() -> rx.Component:
    return rx.box(
        rx.match(
            EditorState.sidebar,
            ("search", panels.search_panel()),
            ("git", panels.git_panel()),
            file_tree(),
        ),
        width="280px",
        flex_shrink="0",
        height="100%",
        border_right=BORDER,
        background="var(--gray-1)",
        overflow="hidden",
    )


def header() -> rx.Component:
    return rx.hstack(
        rx.heading(EditorState.project_name, size="4", trim="both", id="project-title"),
        role_badge(EditorState.role),
        rx.spacer(),
        rx.button(
            rx.icon("search", size=14),
            "Go to file",
            rx.code("Ctrl+P", size="1", variant="ghost"),
            variant="soft",
            color_scheme="gray",
            size="1",
            on_click=EditorState.show_quick_open,
            id="quick-open-button",
        ),
        rx.button(
            rx.icon("sparkles", size=14),
            "Assistant",
            variant=rx.cond(EditorState.assistant_open, "solid", "soft"),
            size="1",
            on_click=[EditorState.toggle_assistant, AssistantState.load],
            id="assistant-toggle",
        ),
        rx.link(
            rx.button(rx.icon("settings", size=14), "Settings", variant="soft", size="1"),
            href=EditorState.settings_url,
            id="project-settings-link",
        ),
        align="center",
        spacing="3",
        padding_x="var(--space-4)",
        height="44px",
        flex_shrink="0",
        border_bottom=BORDER,
        background="var(--color-panel-solid)",
        width="100%",
    )


def workbench() -> rx.Component:
    return rx.vstack(
        header(),
        rx.hstack(
            activity_rail(),
            sidebar(),
            rx.box(editor_area(), flex="1", min_width="0", height="100%"),
            rx.cond(EditorState.assistant_open, panels.assistant_slot()),
            spacing="0",
            flex="1",
            min_height="0",
            width="100%",
        ),
        dialogs.name_dialog(),
        dialogs.delete_dialog(),
        dialogs.quick_open_dialog(),
        panels.diff_dialog(),
        review_dialog(),
        spacing="0",
        flex="1",
        min_height="0",
        width="100%",
    )


@rx.page(
    route=routes.PROJECT,
    title="Editor · Vibe",
    on_load=[SessionState.require_login, EditorState.load, AssistantState.load],
)
def editor_page() -> rx.Component:
    return rx.box(
        shell.top_bar(),
        rx.cond(
            EditorState.loading & (EditorState.project_id == ""),
            rx.center(shell.loading("Opening project…"), flex="1"),
            rx.cond(
                EditorState.missing,
                rx.box(
                    not_found(),
                    padding="var(--space-6)",
                    max_width="720px",
                    margin_x="auto",
                    width="100%",
                ),
                workbench(),
            ),
        ),
        display="flex",
        flex_direction="column",
        height="100vh",
        overflow="hidden",
        background="var(--gray-2)",
    )
