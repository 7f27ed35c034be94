"""Project pages."""

from __future__ import annotations

import reflex as rx

from vibe.auth.state import SessionState
from vibe.ui import routes, shell


@rx.page(route="/", title="Vibe", on_load=rx.redirect(routes.PROJECTS))
def index() -> rx.Component:
    return shell.loading()


@rx.page(route=routes.PROJECTS, title="Projects · Vibe", on_load=SessionState.require_login)
def projects() -> rx.Component:
    return shell.page(
        shell.empty_state("folder", "No projects yet", "Create one to get started."),
        title="Projects",
    )
