"""Project pieces: the top-bar switcher, project cards, the create dialog, the file listing."""

from __future__ import annotations

import reflex as rx

from vibe.projects.state import ProjectListState, ProjectSwitcherState
from vibe.ui import routes, shell, theme


def role_badge(role: rx.Var | str) -> rx.Component:
    return rx.badge(
        role,
        color_scheme=rx.match(role, ("owner", "indigo"), ("editor", "green"), "gray"),
        variant="soft",
    )


def project_switcher() -> rx.Component:
    """Menu of the user's projects (each opens its settings), plus 'All projects'."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("folder-git-2", size=16),
                "Projects",
                rx.icon("chevron-down", size=14),
                variant="ghost",
                color_scheme="gray",
                size="2",
                id="project-switcher",
            )
        ),
        rx.menu.content(
            rx.foreach(
                ProjectSwitcherState.items,
                lambda item: rx.menu.item(
                    rx.text(item["name"], trim="both"),
                    on_select=rx.redirect(item["settings_url"]),
                ),
            ),
            rx.cond(ProjectSwitcherState.items.length() > 0, rx.menu.separator()),
            rx.menu.item(
                rx.icon("layout-grid", size=14),
                "All projects",
                on_select=rx.redirect(routes.PROJECTS),
                id="all-projects",
            ),
            min_width="220px",
        ),
        on_open_change=ProjectSwitcherState.opened,
    )


def project_card(project: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(
                    rx.heading(project["name"], size="4", trim="both"),
                    href=project["url"],
                    underline="hover",
                    high_contrast=True,
                ),
                rx.spacer(),
                role_badge(project["role"]),
                align="center",
                width="100%",
            ),
            rx.text(
                rx.cond(project["description"] != "", project["description"], "No description"),
                color_scheme="gray",
                size="2",
                trim="both",
                style={"overflow_wrap": "anywhere"},
            ),
            rx.hstack(
                rx.text("Updated ", project["updated"], size="1", color_scheme="gray"),
                rx.spacer(),
                rx.link("Settings", href=project["settings_url"], size="1"),
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        id="project-card-" + project["slug"].to(str),
        size="2",
        width="100%",
    )


def new_project_button() -> rx.Component:
    return rx.button(
        rx.icon("plus", size=16),
        "New project",
        on_click=ProjectListState.set_dialog_open(True),
        id="new-project",
    )


def create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New project"),
            rx.dialog.description(
                "A project is a folder with git history that you and your team edit together.",
                size="2",
                color_scheme="gray",
                margin_bottom="4",
            ),
            rx.form(
                rx.vstack(
                    _field(
                        "Name",
                        rx.input(
                            name="name",
                            id="project-name",
                            placeholder="My app",
                            auto_focus=True,
                            max_length=200,
                            width="100%",
                        ),
                    ),
                    rx.cond(
                        ProjectListState.name_error != "",
                        rx.text(
                            ProjectListState.name_error,
                            color_scheme="red",
                            size="2",
                            id="project-name-error",
                        ),
                    ),
                    _field(
                        "Description",
                        rx.text_area(
                            name="description",
                            id="project-description",
                            placeholder="What is it for? (optional)",
                            max_length=2000,
                            width="100%",
                        ),
                    ),
                    shell.dialog_actions(
                        rx.button(
                            "Create project",
                            type="submit",
                            loading=ProjectListState.creating,
                            id="create-project",
                        ),
                    ),
                    spacing="3",
                ),
                on_submit=ProjectListState.create,
                reset_on_submit=False,
            ),
            max_width="480px",
        ),
        open=ProjectListState.dialog_open,
        on_open_change=ProjectListState.set_dialog_open,
    )


def _field(label: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="2", weight="medium"), control, spacing="1", width="100%")


def project_grid() -> rx.Component:
    return rx.cond(
        ProjectListState.loading & (ProjectListState.projects.length() == 0),
        shell.loading("Loading projects…"),
        rx.cond(
            ProjectListState.projects.length() == 0,
            shell.empty_state(
                "folder-plus",
                "No projects yet",
                "Create a project to start writing code with your team and the assistant.",
                new_project_button(),
            ),
            rx.grid(
                rx.foreach(ProjectListState.projects, project_card),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing=theme.GAP,
                width="100%",
            ),
        ),
    )


def not_found() -> rx.Component:
    return shell.empty_state(
        "search-x",
        "Project not found",
        "It does not exist, or you are not a member of it.",
        rx.link(rx.button("All projects", variant="soft"), href=routes.PROJECTS),
    )
