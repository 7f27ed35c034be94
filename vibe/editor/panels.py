"""Side panels: search, git, and the AI assistant panel's slot."""

from __future__ import annotations

import reflex as rx

from vibe.assistant.components import assistant_panel
from vibe.editor.components import BORDER, panel_header
from vibe.editor.git_state import GitState
from vibe.editor.monaco import diff_view
from vibe.editor.search_state import SearchState
from vibe.editor.state import EditorState


def _hit(hit: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(hit["where"], size="1", color_scheme="gray", truncate=True),
        rx.text(
            hit["preview"],
            size="1",
            truncate=True,
            style={"font_family": "var(--code-font-family)"},
        ),
        padding_x="var(--space-3)",
        padding_y="var(--space-1)",
        cursor="pointer",
        width="100%",
        _hover={"background": "var(--gray-a3)"},
        class_name="search-hit",
        on_click=EditorState.open_at(hit["path"], hit["line"].to(int)),
    )


def search_panel() -> rx.Component:
    return rx.vstack(
        panel_header("Search"),
        rx.form(
            rx.vstack(
                rx.input(
                    name="query",
                    id="search-query",
                    placeholder="Search",
                    width="100%",
                    auto_focus=True,
                ),
                rx.hstack(
                    rx.checkbox(
                        "Regex",
                        checked=SearchState.regex,
                        on_change=SearchState.set_regex,
                        size="1",
                    ),
                    rx.checkbox(
                        "Match case",
                        checked=SearchState.case_sensitive,
                        on_change=SearchState.set_case_sensitive,
                        size="1",
                    ),
                    spacing="3",
                ),
                rx.input(
                    name="include",
                    placeholder="Files to include, e.g. *.py, src/",
                    size="1",
                    width="100%",
                ),
                rx.input(name="exclude", placeholder="Files to exclude", size="1", width="100%"),
                rx.button(
                    "Search",
                    type="submit",
                    size="1",
                    loading=SearchState.searching,
                    id="search-run",
                ),
                spacing="2",
                padding="var(--space-3)",
                width="100%",
            ),
            on_submit=SearchState.run,
            reset_on_submit=False,
            width="100%",
        ),
        rx.cond(
            SearchState.message != "",
            rx.text(
                SearchState.message,
                size="1",
                color_scheme="gray",
                padding_x="var(--space-3)",
                id="search-summary",
            ),
        ),
        rx.box(
            rx.foreach(SearchState.results, _hit),
            overflow_y="auto",
            flex="1",
            width="100%",
            id="search-results",
        ),
        spacing="1",
        height="100%",
        width="100%",
    )


def _change(item: rx.Var) -> rx.Component:
    letter = rx.match(item["status"], ("added", "A"), ("deleted", "D"), "M")
    color = rx.match(item["status"], ("added", "green"), ("deleted", "red"), "amber")
    return rx.hstack(
        rx.badge(letter, color_scheme=color, variant="soft", size="1"),
        rx.text(item["path"], size="2", truncate=True, flex="1"),
        rx.cond(
            ~EditorState.read_only,
            rx.tooltip(
                rx.icon_button(
                    rx.icon("undo-2", size=13),
                    size="1",
                    variant="ghost",
                    color_scheme="gray",
                    aria_label="Revert",
                    on_click=GitState.revert(item["path"]).stop_propagation,
                ),
                content="Revert to the last commit",
            ),
        ),
        align="center",
        spacing="2",
        padding_x="var(--space-3)",
        height="28px",
        cursor="pointer",
        width="100%",
        _hover={"background": "var(--gray-a3)"},
        class_name="git-change",
        on_click=GitState.show_diff(item["path"]),
    )


def _commit_row(item: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(item["message"], size="2", truncate=True),
        rx.text(
            item["sha"], " · ", item["author"], " · ", item["when"], size="1", color_scheme="gray"
        ),
        padding_x="var(--space-3)",
        padding_y="var(--space-1)",
        width="100%",
    )


def _section(title: str) -> rx.Component:
    return rx.text(
        title,
        size="1",
        weight="bold",
        color_scheme="gray",
        padding_x="var(--space-3)",
        padding_top="var(--space-3)",
    )


def git_panel() -> rx.Component:
    writable = ~EditorState.read_only
    return rx.vstack(
        panel_header(
            "Source control",
            rx.icon_button(
                rx.icon("refresh-cw", size=14),
                size="1",
                variant="ghost",
                color_scheme="gray",
                on_click=GitState.refresh,
                aria_label="Refresh",
            ),
        ),
        rx.box(
            rx.hstack(
                rx.icon("git-branch", size=14),
                rx.select(
                    GitState.branches,
                    value=GitState.branch,
                    on_change=GitState.switch,
                    size="1",
                    disabled=~writable,
                    id="git-branch-select",
                ),
                align="center",
                spacing="2",
                padding_x="var(--space-3)",
                padding_top="var(--space-2)",
            ),
            rx.cond(
                writable,
                rx.form(
                    rx.vstack(
                        rx.text_area(
                            name="message",
                            placeholder="Commit message",
                            value=GitState.message,
                            on_change=GitState.set_message,
                            rows="2",
                            width="100%",
                            id="commit-message",
                        ),
                        rx.button(
                            "Commit", type="submit", size="1", width="100%", id="commit-button"
                        ),
                        spacing="2",
                        padding="var(--space-3)",
                    ),
                    on_submit=GitState.commit,
                    reset_on_submit=False,
                ),
            ),
            _section("Changes"),
            rx.cond(
                GitState.changes.length() == 0,
                rx.text(
                    "No changes since the last commit.",
                    size="1",
                    color_scheme="gray",
                    padding_x="var(--space-3)",
                ),
                rx.foreach(GitState.changes, _change),
            ),
            _section("History"),
            rx.foreach(GitState.commits, _commit_row),
            rx.cond(writable, _remote_section()),
            overflow_y="auto",
            flex="1",
            width="100%",
            id="git-panel",
        ),
        spacing="0",
        height="100%",
        width="100%",
    )


def _remote_section() -> rx.Component:
    return rx.vstack(
        rx.text("Remote", size="1", weight="bold", color_scheme="gray"),
        rx.form(
            rx.hstack(
                rx.input(
                    name="remote",
                    default_value=GitState.remote,
                    placeholder="https://github.com/you/repo.git",
                    size="1",
                    flex="1",
                    id="git-remote-input",
                ),
                rx.button("Set", size="1", variant="soft", type="submit", id="git-remote-set"),
                spacing="2",
                width="100%",
            ),
            on_submit=GitState.save_remote,
            reset_on_submit=False,
            width="100%",
        ),
        rx.hstack(
            _sync_button("push", "arrow-up", "Push"),
            _sync_button("pull", "arrow-down", "Pull"),
            rx.form(
                rx.hstack(
                    rx.input(
                        name="branch",
                        placeholder="new-branch",
                        size="1",
                        width="110px",
                        id="git-new-branch",
                    ),
                    rx.tooltip(
                        rx.icon_button(
                            rx.icon("plus", size=13),
                            size="1",
                            variant="soft",
                            type="submit",
                            id="git-new-branch-submit",
                            aria_label="Create branch",
                        ),
                        content="Create branch and switch to it",
                    ),
                    spacing="1",
                ),
                on_submit=GitState.create_branch,
                reset_on_submit=True,
            ),
            spacing="2",
            wrap="wrap",
        ),
        rx.cond(GitState.busy != "", _sync_progress()),
        spacing="2",
        padding="var(--space-3)",
        width="100%",
    )


def _sync_button(direction: str, icon: str, label: str) -> rx.Component:
    return rx.button(
        rx.icon(icon, size=13),
        label,
        size="1",
        variant="soft",
        loading=GitState.busy == direction,
        disabled=GitState.busy != "",
        on_click=GitState.sync(direction),
        id=f"git-{direction}",
    )


def _sync_progress() -> rx.Component:
    """The running push/pull job: what git says, how far, and a way to stop it."""
    return rx.vstack(
        rx.hstack(
            rx.text(GitState.sync_message, size="1", color_scheme="gray", truncate=True, flex="1"),
            rx.button(
                "Cancel",
                size="1",
                variant="ghost",
                color_scheme="red",
                on_click=GitState.cancel_sync,
                id="git-sync-cancel",
            ),
            align="center",
            width="100%",
        ),
        rx.progress(value=GitState.sync_progress, max=100, size="1"),
        spacing="1",
        width="100%",
        id="git-sync-progress",
        custom_attrs={"data-direction": GitState.busy},
    )


def diff_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title(GitState.diff_path, size="3", trim="both"),
                rx.spacer(),
                rx.text("last commit ↔ now", size="1", color_scheme="gray"),
                rx.dialog.close(
                    rx.icon_button(rx.icon("x", size=14), variant="ghost", color_scheme="gray")
                ),
                align="center",
                width="100%",
            ),
            rx.cond(
                GitState.diff_note != "",
                rx.text(GitState.diff_note, color_scheme="gray", padding="var(--space-4)"),
                rx.box(
                    diff_view(
                        original=GitState.diff_original,
                        modified=GitState.diff_modified,
                        path=GitState.diff_path,
                    ),
                    height="65vh",
                    margin_top="var(--space-3)",
                    border=BORDER,
                ),
            ),
            max_width="1100px",
            width="90vw",
            id="git-diff",
        ),
        open=GitState.diff_path != "",
        on_open_change=GitState.close_diff,
    )


def assistant_slot() -> rx.Component:
    """The AI assistant panel (vibe/assistant/components.py) on the right of the editor."""
    return assistant_panel()
