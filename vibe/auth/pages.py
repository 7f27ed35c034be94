"""Login page."""

from __future__ import annotations

import reflex as rx

from vibe.auth.state import SessionState
from vibe.ui import routes


@rx.page(route=routes.LOGIN, title="Sign in · Vibe", on_load=SessionState.load_login_page)
def login() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.heading("Sign in to Vibe", size="6"),
                rx.cond(
                    SessionState.github_login,
                    rx.link(
                        rx.button(
                            rx.icon("github"), "Continue with GitHub", size="3", width="100%"
                        ),
                        href=routes.LOGIN_GITHUB,
                        width="100%",
                        id="login-github",
                    ),
                ),
                rx.cond(
                    SessionState.local_login,
                    rx.el.form(
                        rx.button(
                            "Continue as local user",
                            size="3",
                            width="100%",
                            type="submit",
                            variant="soft",
                            id="login-local",
                        ),
                        action=routes.LOGIN_LOCAL,
                        method="post",
                        width="100%",
                    ),
                ),
                spacing="4",
                width="320px",
            ),
            padding="6",
        ),
        min_height="100vh",
        background="var(--gray-2)",
    )
