"""Auth pieces used by the shell and the auth pages: the user menu, provider marks."""

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
                rx.menu.item(
                    "AI providers", on_select=rx.redirect(routes.SETTINGS_AI), id="menu-ai-settings"
                ),
                rx.cond(
                    SessionState.is_admin,
                    rx.menu.item("MCP servers", on_select=rx.redirect("/settings/mcp")),
                ),
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


# The octicon "mark-github" (lucide dropped brand icons, so GitHub's mark is drawn inline).
GITHUB_MARK = (
    "M8 0C3.58 0 0 3.58 0 8c0 3.54 2.29 6.53 5.47 7.59.4.07.55-.17.55-.38 0-.19-.01-.82-.01-1.49"
    "-2.01.37-2.53-.49-2.69-.94-.09-.23-.48-.94-.82-1.13-.28-.15-.68-.52-.01-.53.63-.01 1.08.58 "
    "1.23.82.72 1.21 1.87.87 2.33.66.07-.52.28-.87.51-1.07-1.78-.2-3.64-.89-3.64-3.95 0-.87.31-1.59"
    ".82-2.15-.08-.2-.36-1.02.08-2.12 0 0 .67-.21 2.2.82.64-.18 1.32-.27 2-.27.68 0 1.36.09 2 .27 "
    "1.53-1.04 2.2-.82 2.2-.82.44 1.1.16 1.92.08 2.12.51.56.82 1.27.82 2.15 0 3.07-1.87 3.75-3.65 "
    "3.95.29.25.54.73.54 1.48 0 1.07-.01 1.93-.01 2.2 0 .21.15.46.55.38A8.013 8.013 0 0016 8c0-4.42"
    "-3.58-8-8-8z"
)


def github_mark(size: int = 18) -> rx.Component:
    return rx.el.svg(
        rx.el.path(d=GITHUB_MARK),
        view_box="0 0 16 16",
        width=str(size),
        height=str(size),
        fill="currentColor",
        aria_hidden="true",
    )


def hf_mark(size: int = 18) -> rx.Component:
    """A yellow smiling face in Hugging Face's colours (drawn: no emoji font is bundled)."""
    ink = "#32343D"
    return rx.el.svg(
        rx.el.circle(cx="12", cy="12", r="11", fill="#FFD21E"),
        rx.el.circle(cx="8.5", cy="10", r="1.4", fill=ink),
        rx.el.circle(cx="15.5", cy="10", r="1.4", fill=ink),
        rx.el.path(
            d="M7.5 14c1 2.1 2.6 3.2 4.5 3.2s3.5-1.1 4.5-3.2",
            stroke=ink,
            stroke_width="1.6",
            stroke_linecap="round",
            fill="none",
        ),
        view_box="0 0 24 24",
        width=str(size),
        height=str(size),
        aria_hidden="true",
    )


def provider_mark(provider: rx.Var | str, size: int = 18) -> rx.Component:
    """The provider's logo for a row whose provider is only known at run time."""
    return rx.match(
        provider,
        ("github", github_mark(size)),
        ("huggingface", hf_mark(size)),
        rx.icon("laptop", size=size),
    )
