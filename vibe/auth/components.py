"""Auth pieces used by the shell."""

from __future__ import annotations

import reflex as rx

from vibe.auth.state import SessionState
from vibe.ui import routes


def user_menu() -> rx.Component:
    return rx.cond(
        SessionState.signed_in,
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.avatar(
                        src=SessionState.avatar_url,
                        fallback=SessionState.username[:2],
                        size="1",
                        radius="full",
                    ),
                    rx.text(SessionState.display_name, size="2"),
                    rx.icon("chevron-down", size=14),
                    variant="ghost",
                    color_scheme="gray",
                    id="user-menu",
                )
            ),
            rx.menu.content(
                rx.menu.item("Profile", on_select=rx.redirect(routes.PROFILE)),
                rx.menu.separator(),
                rx.menu.item(
                    "Sign out",
                    color="red",
                    on_select=rx.call_script(
                        f"fetch('{routes.LOGOUT}', {{method: 'POST', credentials: 'same-origin'}})"
                        f".finally(() => {{ window.location.href = '{routes.LOGIN}'; }})"
                    ),
                    id="sign-out",
                ),
            ),
        ),
        rx.link("Sign in", href=routes.LOGIN),
    )
