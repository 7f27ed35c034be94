"""The editor's dialogs: name a new file/folder or a move, confirm a delete, upload, quick open."""

from __future__ import annotations

import reflex as rx

from vibe.editor.files_state import UPLOAD_ID, FileOpsState
from vibe.editor.state import EditorState
from vibe.ui import shell


def _name_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.input(
                name="name",
                id="file-name-input",
                default_value=FileOpsState.value,
                placeholder="folder/name.py",
                auto_focus=True,
                width="100%",
                key=FileOpsState.dialog_title + FileOpsState.target,
            ),
            rx.cond(
                FileOpsState.error != "",
                rx.text(FileOpsState.error, color_scheme="red", size="2", id="file-name-error"),
            ),
            shell.dialog_actions(
                rx.button("OK", type="submit", loading=FileOpsState.busy, id="file-name-submit"),
            ),
            spacing="3",
        ),
        on_submit=FileOpsState.submit,
        reset_on_submit=False,
    )


def _upload_form() -> rx.Component:
    return rx.vstack(
        rx.upload(
            rx.vstack(
                rx.icon("upload", size=24, color="var(--gray-9)"),
                rx.text("Drop files here or click to choose", size="2", color_scheme="gray"),
                align="center",
                spacing="2",
            ),
            id=UPLOAD_ID,
            multiple=True,
            # Drops are taken by drop_upload.js before Reflex's dropzone (which keeps only base
            # names): a dropped folder keeps its subfolders, empty ones included.
            class_name="vibe-drop-zone",
            custom_attrs={"data-drop-folder": FileOpsState.target},
            border="1px dashed var(--gray-7)",
            border_radius="8px",
            padding="var(--space-5)",
            width="100%",
        ),
        rx.foreach(
            rx.selected_files(UPLOAD_ID), lambda f: rx.text(f, size="1", color_scheme="gray")
        ),
        rx.text(
            "A dropped folder keeps its subfolders.",
            size="1",
            color_scheme="gray",
        ),
        shell.dialog_actions(
            rx.dialog.close(
                rx.button(
                    "Upload",
                    id="upload-submit",
                    on_click=FileOpsState.upload(rx.upload_files(upload_id=UPLOAD_ID)),
                )
            ),
        ),
        spacing="3",
        width="100%",
    )


def name_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(FileOpsState.mode == "upload", "Upload files", FileOpsState.dialog_title)
            ),
            rx.dialog.description(
                rx.cond(
                    FileOpsState.target != "",
                    rx.text("In ", rx.code(FileOpsState.target)),
                    "Paths are relative to the project folder.",
                ),
                size="2",
                color_scheme="gray",
                margin_bottom="var(--space-3)",
            ),
            rx.cond(FileOpsState.mode == "upload", _upload_form(), _name_form()),
            max_width="440px",
        ),
        open=FileOpsState.dialog_open,
        on_open_change=FileOpsState.set_dialog_open,
    )


def delete_dialog() -> rx.Component:
    return shell.confirm_dialog(
        "Delete?",
        rx.text(
            rx.cond(FileOpsState.delete_kind == "dir", "The folder ", "The file "),
            rx.code(FileOpsState.delete_target),
            rx.cond(FileOpsState.delete_kind == "dir", " and everything in it", ""),
            " will be deleted. It stays in the project's history.",
        ),
        action="Delete",
        on_confirm=FileOpsState.confirm_delete,
        action_id="confirm-delete",
        open=FileOpsState.delete_target != "",
        on_open_change=FileOpsState.cancel_delete,
    )


def quick_open_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.form(
                rx.input(
                    name="query",
                    id="quick-open-input",
                    placeholder="Go to file…",
                    auto_focus=True,
                    on_change=EditorState.quick_query,
                    width="100%",
                    size="3",
                ),
                on_submit=EditorState.quick_submit,
                reset_on_submit=True,
            ),
            rx.vstack(
                rx.foreach(
                    EditorState.quick_results,
                    lambda path: rx.box(
                        rx.text(path, size="2", truncate=True),
                        padding_x="var(--space-2)",
                        padding_y="var(--space-1)",
                        border_radius="4px",
                        cursor="pointer",
                        width="100%",
                        _hover={"background": "var(--accent-a4)"},
                        class_name="quick-open-item",
                        on_click=EditorState.open_file(path),
                    ),
                ),
                rx.cond(
                    EditorState.quick_results.length() == 0,
                    rx.text(
                        "No matching file.", size="2", color_scheme="gray", padding="var(--space-2)"
                    ),
                ),
                spacing="0",
                margin_top="var(--space-2)",
                max_height="50vh",
                overflow_y="auto",
                width="100%",
            ),
            max_width="560px",
            id="quick-open",
        ),
        open=EditorState.quick_open,
        on_open_change=EditorState.set_quick_open,
    )
