"""Sections of the project settings page: general, members, danger zone."""

from __future__ import annotations

import reflex as rx

from vibe.projects.components import role_badge
from vibe.projects.settings_state import ProjectSettingsState as S

ROLES = ["owner", "editor", "viewer"]


def section(title: str, text: str, *children: rx.Component, **props: object) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4"),
            rx.text(text, size="2", color_scheme="gray"),
            *children,
            spacing="3",
            width="100%",
        ),
        width="100%",
        **props,
    )


def general() -> rx.Component:
    can_edit = S.project_role != "viewer"
    return section(
        "General",
        "The name is shown everywhere; the address of the project stays the same.",
        rx.form(
            rx.vstack(
                rx.text("Name", size="2", weight="medium"),
                rx.input(
                    name="name",
                    id="settings-name",
                    default_value=S.project_name,
                    max_length=200,
                    disabled=~can_edit,
                    width="100%",
                ),
                rx.text("Description", size="2", weight="medium"),
                rx.text_area(
                    name="description",
                    id="settings-description",
                    default_value=S.project_description,
                    max_length=2000,
                    disabled=~can_edit,
                    width="100%",
                ),
                rx.hstack(
                    rx.button(
                        "Save",
                        type="submit",
                        loading=S.saving,
                        disabled=~can_edit,
                        id="save-settings",
                    ),
                    justify="end",
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=S.save_general,
            reset_on_submit=False,
            width="100%",
        ),
    )


def member_row(member: rx.Var) -> rx.Component:
    is_owner = S.project_role == "owner"
    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                rx.avatar(
                    src=member["avatar_url"], fallback=member["initials"], size="2", radius="full"
                ),
                rx.vstack(
                    rx.text(member["name"], size="2", weight="medium"),
                    rx.text("@", member["username"], size="1", color_scheme="gray"),
                    spacing="0",
                ),
                align="center",
                spacing="3",
            )
        ),
        rx.table.cell(
            rx.cond(
                is_owner,
                rx.select(
                    ROLES,
                    value=member["role"],
                    on_change=lambda role: S.change_role(member["username"], role),
                    size="1",
                ),
                role_badge(member["role"]),
            ),
            vertical_align="middle",
        ),
        rx.table.cell(
            rx.cond(
                is_owner | (member["is_me"] != ""),
                rx.button(
                    rx.cond(member["is_me"] != "", "Leave", "Remove"),
                    on_click=S.remove_member(member["username"]),
                    variant="soft",
                    color_scheme="red",
                    size="1",
                ),
            ),
            vertical_align="middle",
            text_align="right",
        ),
        id="member-" + member["username"].to(str),
    )


def add_member_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                name="username",
                id="member-username",
                placeholder="Username",
                required=True,
                max_length=100,
                flex="1",
            ),
            rx.select(ROLES, name="role", default_value="editor", id="member-role"),
            rx.button(rx.icon("user-plus", size=16), "Add", type="submit", id="add-member"),
            spacing="2",
            width="100%",
        ),
        on_submit=S.add_member,
        reset_on_submit=True,
        width="100%",
    )


def members_section() -> rx.Component:
    return section(
        "Members",
        "Viewers can read, editors can change files, owners manage members and the project.",
        rx.cond(S.project_role == "owner", add_member_form()),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Person"),
                    rx.table.column_header_cell("Role"),
                    rx.table.column_header_cell(""),
                )
            ),
            rx.table.body(rx.foreach(S.members, member_row)),
            width="100%",
            variant="surface",
        ),
    )


def danger_zone() -> rx.Component:
    return section(
        "Danger zone",
        "Deleting removes the project, its members and every file in its folder.",
        rx.hstack(
            rx.button(
                rx.icon("trash-2", size=16),
                "Delete project",
                color_scheme="red",
                on_click=S.set_delete_open(True),
                id="delete-project",
            ),
            justify="start",
        ),
        _delete_dialog(),
        border="1px solid var(--red-6)",
    )


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete ", S.project_name, "?"),
            rx.alert_dialog.description(
                "This cannot be undone. Type the project's name to confirm.",
                size="2",
            ),
            rx.vstack(
                rx.text(S.project_name, weight="bold", size="2"),
                rx.input(
                    value=S.delete_text,
                    on_change=S.set_delete_text,
                    placeholder="Project name",
                    id="delete-confirm-input",
                    width="100%",
                ),
                rx.hstack(
                    rx.alert_dialog.cancel(
                        rx.button("Cancel", variant="soft", color_scheme="gray")
                    ),
                    rx.button(
                        "Delete forever",
                        color_scheme="red",
                        disabled=S.delete_text != S.project_name,
                        on_click=S.delete,
                        id="delete-confirm",
                    ),
                    justify="end",
                    spacing="3",
                    width="100%",
                ),
                spacing="3",
                margin_top="3",
            ),
            max_width="440px",
        ),
        open=S.delete_open,
        on_open_change=S.set_delete_open,
    )
