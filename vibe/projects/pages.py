"""Project pages: the list, a project's landing page and its settings."""

from __future__ import annotations

import reflex as rx

from vibe.auth.state import SessionState
from vibe.projects import components as c
from vibe.projects import settings_components as sc
from vibe.projects.settings_state import ProjectSettingsState
from vibe.projects.state import ProjectListState, ProjectViewState
from vibe.ui import routes, shell


@rx.page(route="/", title="Vibe", on_load=rx.redirect(routes.PROJECTS))
def index() -> rx.Component:
    return shell.loading()


@rx.page(
    route=routes.PROJECTS,
    title="Projects · Vibe",
    on_load=[SessionState.require_login, ProjectListState.load],
)
def projects() -> rx.Component:
    return shell.page(
        c.project_grid(),
        c.create_dialog(),
        title="Projects",
        actions=rx.cond(ProjectListState.projects.length() > 0, c.new_project_button()),
    )


@rx.page(
    route=routes.PROJECT,
    title="Project · Vibe",
    on_load=[SessionState.require_login, ProjectViewState.load],
)
def project() -> rx.Component:
    return shell.page(
        rx.cond(
            ProjectViewState.loading,
            shell.loading("Loading project…"),
            rx.cond(
                ProjectViewState.missing,
                c.not_found(),
                rx.vstack(
                    rx.hstack(
                        c.role_badge(ProjectViewState.project_role),
                        rx.text(
                            rx.cond(
                                ProjectViewState.project_description != "",
                                ProjectViewState.project_description,
                                "No description",
                            ),
                            color_scheme="gray",
                            size="2",
                        ),
                        align="center",
                        spacing="3",
                    ),
                    rx.heading("Files", size="4"),
                    c.file_listing(),
                    spacing="3",
                    width="100%",
                ),
            ),
        ),
        title=rx.cond(ProjectViewState.loading, "", ProjectViewState.project_name),  # type: ignore[arg-type]
        actions=rx.cond(
            ProjectViewState.settings_url != "",
            rx.link(
                rx.button(rx.icon("settings", size=16), "Settings", variant="soft"),
                href=ProjectViewState.settings_url,
                id="project-settings-link",
            ),
        ),
    )


@rx.page(
    route=routes.PROJECT_SETTINGS,
    title="Project settings · Vibe",
    on_load=[SessionState.require_login, ProjectSettingsState.load],
)
def project_settings() -> rx.Component:
    return shell.page(
        rx.cond(
            ProjectSettingsState.loading,
            shell.loading("Loading settings…"),
            rx.cond(
                ProjectSettingsState.missing,
                c.not_found(),
                rx.vstack(
                    sc.general(),
                    sc.members_section(),
                    rx.cond(ProjectSettingsState.project_role == "owner", sc.danger_zone()),
                    spacing="4",
                    width="100%",
                ),
            ),
        ),
        title=ProjectSettingsState.heading,  # type: ignore[arg-type]
        actions=rx.cond(
            ProjectSettingsState.project_url != "",
            rx.hstack(
                rx.link(
                    rx.button(rx.icon("network", size=16), "Knowledge graph", variant="soft"),
                    href=ProjectSettingsState.project_url + "/graph",
                    id="graph-explorer-link",
                ),
                rx.link(
                    rx.button(rx.icon("arrow-left", size=16), "Back to project", variant="soft"),
                    href=ProjectSettingsState.project_url,
                    id="back-to-project",
                ),
            ),
        ),
    )
