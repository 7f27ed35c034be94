"""MCP pages: the global servers (administrators) and a project's servers."""

from __future__ import annotations

import reflex as rx

from vibe.auth.state import SessionState
from vibe.orchestrator import components as c
from vibe.orchestrator.state import McpState
from vibe.ui import shell

MCP_SETTINGS = "/settings/mcp"
PROJECT_MCP = "/projects/[slug]/mcp"


def _body() -> rx.Component:
    return rx.cond(
        McpState.loading,
        shell.loading(),
        rx.vstack(
            c.server_table(),
            c.tool_browser(),
            c.import_export(),
            spacing="5",
            width="100%",
        ),
    )


def _actions() -> rx.Component:
    return rx.hstack(
        rx.icon_button(
            rx.icon("refresh-cw", size=16),
            variant="soft",
            on_click=McpState.refresh,
            aria_label="Refresh status",
        ),
        c.add_dialog(),
        rx.cond(
            McpState.project_settings_url != "",
            rx.link(
                rx.button(rx.icon("arrow-left", size=16), "Project settings", variant="soft"),
                href=McpState.project_settings_url,
                id="back-to-project-settings",
            ),
        ),
        spacing="2",
    )


@rx.page(
    route=MCP_SETTINGS,
    title="MCP servers · Vibe",
    on_load=[SessionState.require_login, McpState.load],
)
def mcp_settings() -> rx.Component:
    return shell.page(_body(), title=McpState.heading, actions=_actions())


@rx.page(
    route=PROJECT_MCP,
    title="Project MCP servers · Vibe",
    on_load=[SessionState.require_login, McpState.load],
)
def project_mcp() -> rx.Component:
    return shell.page(_body(), title=McpState.heading, actions=_actions())
