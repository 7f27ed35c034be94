"""Project pages: the list and a project's settings (the project itself opens the editor)."""

from __future__ import annotations

import reflex as rx

from vibe.auth.state import SessionState
from vibe.projects import components as c
from vibe.projects import settings_components as sc
from vibe.projects.settings_state import ProjectSettingsState
from vibe.projects.state import ProjectListState
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


# /projects/[slug] (routes.PROJECT) is the editor, registered by vibe/editor/pages.py.
from vibe.editor.pages import editor_page as project  # noqa: E402,F401


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
                    rx.button(rx.icon("plug", size=16), "MCP servers", variant="soft"),
                    href=ProjectSettingsState.project_url + "/mcp",
                    id="project-mcp-link",
                ),
                rx.link(
                    rx.button(rx.icon("arrow-left", size=16), "Back to project", variant="soft"),
                    href=ProjectSettingsState.project_url,
                    id="back-to-project",
                ),
            ),
        ),
    )
