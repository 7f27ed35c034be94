"""Project pieces used by the shell and the project pages."""

from __future__ import annotations

import reflex as rx

from vibe.ui import routes


def project_switcher() -> rx.Component:
    return rx.link("Projects", href=routes.PROJECTS, color_scheme="gray", size="2")
