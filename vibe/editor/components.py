"""The editor page's pieces: file tree, tabs, the editor area, dialogs, quick open."""

from __future__ import annotations

import reflex as rx

from vibe.assistant.state import AssistantState
from vibe.editor import filetypes
from vibe.editor.files_state import FileOpsState
from vibe.editor.monaco import file_editor
from vibe.editor.state import EditorState

BORDER = "1px solid var(--gray-5)"


def file_icon(name: rx.Var, **props: object) -> rx.Component:
    """The icon of a tree entry or tab, from the closed set ``filetypes`` can name.

    A static match rather than ``rx.icon(var)``: an icon named by a state var is drawn by lucide's
    DynamicIcon, which brings the name map of every icon (~250 KB) and then fetches each icon
    as its own chunk after the tree has rendered.
    """
    return rx.match(
        name,
        *((icon, rx.icon(icon, **props)) for icon in filetypes.ALL_ICONS),
        rx.icon("file", **props),
    )


def icon_button(icon: str, label: str, **props: object) -> rx.Component:
    return rx.tooltip(
        rx.icon_button(
            rx.icon(icon, size=15),
            variant="ghost",
            color_scheme="gray",
            size="1",
            aria_label=label,
            **props,
        ),
        content=label,
    )


def _pin_item(entry: rx.Var) -> rx.Component:
    pinned = AssistantState.pinned.contains(entry["path"])
    return rx.context_menu.item(
        rx.cond(pinned, "Unpin from AI context", "Pin to AI context"),
        on_select=AssistantState.toggle_pin(entry["path"]),
        id="menu-pin",
    )


def _row_menu(entry: rx.Var) -> rx.Component:
    is_dir = entry["kind"] == "dir"
    return rx.context_menu.content(
        rx.cond(~is_dir, rx.fragment(_pin_item(entry), rx.context_menu.separator())),
        rx.cond(
            is_dir,
            rx.fragment(
                rx.context_menu.item(
                    "New file here", on_select=FileOpsState.start("file", entry["path"])
                ),
                rx.context_menu.item(
                    "New folder here", on_select=FileOpsState.start("folder", entry["path"])
                ),
                rx.context_menu.item(
                    "Upload here", on_select=FileOpsState.start("upload", entry["path"])
                ),
                rx.context_menu.separator(),
            ),
        ),
        rx.context_menu.item(
            "Rename or move…",
            on_select=FileOpsState.start("rename", entry["path"]),
            id="menu-rename",
        ),
        rx.context_menu.item(
            "Delete…",
            color="red",
            on_select=FileOpsState.ask_delete(entry["path"], entry["kind"]),
            id="menu-delete",
        ),
    )


def tree_row(entry: rx.Var) -> rx.Component:
    is_dir = entry["kind"] == "dir"
    active = entry["path"] == EditorState.active
    return rx.context_menu.root(
        rx.context_menu.trigger(
            rx.hstack(
                rx.cond(
                    is_dir,
                    rx.cond(
                        EditorState.collapsed.contains(entry["path"]),
                        rx.icon("chevron-right", size=14, color="var(--gray-9)"),
                        rx.icon("chevron-down", size=14, color="var(--gray-9)"),
                    ),
                    rx.box(width="14px", flex_shrink="0"),
                ),
                file_icon(
                    entry["icon"],
                    size=15,
                    color=rx.cond(is_dir, "var(--accent-9)", "var(--gray-10)"),
                    flex_shrink="0",
                ),
                rx.text(entry["name"], size="2", truncate=True),
                padding_left=entry["indent"],
                padding_right="var(--space-2)",
                height="26px",
                align="center",
                spacing="1",
                width="100%",
                cursor="pointer",
                background=rx.cond(active, "var(--accent-a4)", "transparent"),
                _hover={"background": rx.cond(active, "var(--accent-a5)", "var(--gray-a3)")},
                title=entry["path"],
                custom_attrs={"data-tree-path": entry["path"], "data-kind": entry["kind"]},
                class_name="tree-row",
                on_click=rx.cond(
                    is_dir,
                    EditorState.toggle_folder(entry["path"]),
                    EditorState.open_file(entry["path"]),
                ),
            )
        ),
        rx.cond(
            ~EditorState.read_only,
            _row_menu(entry),
            rx.cond(entry["kind"] != "dir", rx.context_menu.content(_pin_item(entry))),
        ),
    )


def panel_header(title: str, *actions: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.text(title, size="1", weight="bold", color_scheme="gray", trim="both"),
        rx.spacer(),
        *actions,
        align="center",
        padding_x="var(--space-3)",
        height="36px",
        flex_shrink="0",
        border_bottom=BORDER,
        width="100%",
        style={"text_transform": "uppercase", "letter_spacing": "0.04em"},
    )


def file_tree() -> rx.Component:
    actions = rx.cond(
        ~EditorState.read_only,
        rx.hstack(
            icon_button(
                "file-plus", "New file", on_click=FileOpsState.start("file", ""), id="tree-new-file"
            ),
            icon_button(
                "folder-plus",
                "New folder",
                on_click=FileOpsState.start("folder", ""),
                id="tree-new-folder",
            ),
            icon_button(
                "upload",
                "Upload files",
                on_click=FileOpsState.start("upload", ""),
                id="tree-upload",
            ),
            icon_button(
                "refresh-cw", "Refresh", on_click=EditorState.refresh_tree, id="tree-refresh"
            ),
            spacing="1",
        ),
    )
    return rx.vstack(
        panel_header("Files", actions),
        rx.cond(
            EditorState.rows.length() == 0,
            rx.vstack(
                rx.text("No files yet.", size="2", color_scheme="gray"),
                rx.cond(
                    ~EditorState.read_only,
                    rx.button(
                        rx.icon("file-plus", size=14),
                        "Create a file",
                        size="1",
                        variant="soft",
                        on_click=FileOpsState.start("file", ""),
                    ),
                ),
                padding="var(--space-4)",
                spacing="2",
                align="start",
            ),
            rx.box(
                rx.foreach(EditorState.rows, tree_row),
                rx.cond(
                    EditorState.truncated,
                    rx.text(
                        "Only the first files are listed.",
                        size="1",
                        color_scheme="gray",
                        padding="var(--space-2)",
                    ),
                ),
                padding_y="var(--space-1)",
                width="100%",
                overflow_y="auto",
                flex="1",
                id="file-tree",
            ),
        ),
        spacing="0",
        height="100%",
        width="100%",
        class_name="vibe-drop-zone",  # files and folders dropped here are uploaded (drop_upload.js)
    )


def _tab_pin(path: rx.Var) -> rx.Component:
    pinned = AssistantState.pinned.contains(path)
    return rx.tooltip(
        rx.icon_button(
            rx.icon("pin", size=12),
            size="1",
            variant="ghost",
            color_scheme=rx.cond(pinned, "indigo", "gray"),
            aria_label="Pin to AI context",
            class_name="tab-pin",
            custom_attrs={"data-pinned": rx.cond(pinned, "1", "")},
            opacity=rx.cond(pinned, "1", "0.35"),
            on_click=AssistantState.toggle_pin(path).stop_propagation,
        ),
        content=rx.cond(pinned, "Pinned to the AI context", "Pin to the AI context"),
    )


def editor_tab(item: rx.Var) -> rx.Component:
    active = item["path"] == EditorState.active
    return rx.hstack(
        file_icon(item["icon"], size=14, color="var(--gray-10)"),
        rx.text(item["name"], size="2", truncate=True, max_width="180px"),
        rx.cond(
            item["dirty"] != "",
            rx.box(
                width="8px",
                height="8px",
                border_radius="50%",
                background="var(--amber-9)",
                class_name="dirty-dot",
                title="Unsaved changes",
            ),
        ),
        _tab_pin(item["path"]),
        rx.icon_button(
            rx.icon("x", size=12),
            size="1",
            variant="ghost",
            color_scheme="gray",
            aria_label="Close",
            class_name="tab-close",
            on_click=EditorState.close_tab(item["path"]).stop_propagation,
        ),
        align="center",
        spacing="2",
        padding_left="var(--space-3)",
        padding_right="var(--space-1)",
        height="36px",
        flex_shrink="0",
        cursor="pointer",
        border_right=BORDER,
        background=rx.cond(active, "var(--color-panel-solid)", "var(--gray-2)"),
        box_shadow=rx.cond(active, "inset 0 -2px 0 var(--accent-9)", "none"),
        title=item["path"],
        custom_attrs={"data-tab-path": item["path"], "data-dirty": item["dirty"]},
        class_name="editor-tab",
        on_click=EditorState.open_file(item["path"]),
    )


def tab_bar() -> rx.Component:
    return rx.hstack(
        rx.foreach(EditorState.tabs, editor_tab),
        spacing="0",
        width="100%",
        height="36px",
        flex_shrink="0",
        overflow_x="auto",
        border_bottom=BORDER,
        background="var(--gray-2)",
        id="editor-tabs",
    )


def no_file_open() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("file-code-2", size=40, color="var(--gray-8)"),
            rx.heading("No file open", size="4"),
            rx.text(
                "Pick a file in the tree, or press Ctrl+P to find one by name.",
                color_scheme="gray",
                size="2",
                align="center",
            ),
            rx.hstack(
                rx.button(
                    rx.icon("search", size=14),
                    "Quick open",
                    variant="soft",
                    on_click=EditorState.show_quick_open,
                ),
                rx.cond(
                    ~EditorState.read_only,
                    rx.button(
                        rx.icon("file-plus", size=14),
                        "New file",
                        variant="soft",
                        on_click=FileOpsState.start("file", ""),
                    ),
                ),
                spacing="2",
            ),
            align="center",
            spacing="3",
        ),
        id="editor-empty",
        position="absolute",
        inset="0",
        background="var(--color-panel-solid)",
    )


def editor_area() -> rx.Component:
    return rx.vstack(
        rx.cond(EditorState.tabs.length() > 0, tab_bar()),
        rx.box(
            file_editor(
                project_id=EditorState.project_id,
                path=EditorState.active,
                read_only=EditorState.read_only,
                reveal_path=EditorState.reveal_path,
                reveal_line=EditorState.reveal_line,
                reveal_nonce=EditorState.reveal_nonce,
                on_dirty=EditorState.set_dirty,
                on_saved=EditorState.saved,
                on_error=EditorState.editor_error,
                on_drafts=EditorState.restore_drafts,
                on_quick_open=EditorState.show_quick_open,
                on_search=EditorState.show_sidebar("search"),
                on_open_at=EditorState.open_at,
                on_tree_changed=EditorState.refresh_tree,
            ),
            rx.cond(EditorState.active == "", no_file_open()),
            position="relative",
            flex="1",
            min_height="0",
            width="100%",
        ),
        spacing="0",
        height="100%",
        width="100%",
        min_width="0",
        background="var(--color-panel-solid)",
    )
