"""Login and profile pages."""

from __future__ import annotations

import reflex as rx

from vibe.auth import profile_components as profile
from vibe.auth.components import github_mark, hf_mark
from vibe.auth.profile_state import ProfileState
from vibe.auth.state import SessionState
from vibe.ui import routes, shell


def _provider_button(mark: rx.Component, label: str, href: str, element_id: str) -> rx.Component:
    # reload_document: the OAuth routes live on the server; a client-side navigation would
    # render the router's own 404 instead of reaching them.
    return rx.link(
        rx.button(mark, label, size="3", width="100%", variant="outline", color_scheme="gray"),
        href=href + SessionState.login_query,
        reload_document=True,
        width="100%",
        underline="none",
        id=element_id,
    )


# Reflex forms always prevent the native submit, so the POST is made with fetch; the server's
# redirect (to the projects page, or back to the login page with an error) is then followed.
_LOCAL_LOGIN_JS = (
    "const n = new URLSearchParams(window.location.search).get('next');"
    f"fetch('{routes.LOGIN_LOCAL}' + (n ? '?next=' + encodeURIComponent(n) : ''),"
    " {method: 'POST', credentials: 'same-origin'})"
    ".then((r) => { window.location.href = r.url; })"
    ".catch(() => { window.location.href = '/login?error='"
    " + encodeURIComponent('The Vibe server cannot be reached'); });"
)


def _local_form() -> rx.Component:
    return rx.button(
        rx.icon("laptop", size=18),
        "Continue as local user",
        size="3",
        width="100%",
        variant="soft",
        id="login-local",
        on_click=rx.call_script(_LOCAL_LOGIN_JS),
    )


def _methods() -> rx.Component:
    any_provider = SessionState.github_login | SessionState.hf_login
    return rx.vstack(
        rx.cond(
            SessionState.github_login,
            _provider_button(
                github_mark(), "Continue with GitHub", routes.LOGIN_GITHUB, "login-github"
            ),
        ),
        rx.cond(
            SessionState.hf_login,
            _provider_button(hf_mark(), "Continue with Hugging Face", routes.LOGIN_HF, "login-hf"),
        ),
        rx.cond(
            any_provider & SessionState.local_login,
            rx.hstack(
                rx.separator(size="4"),
                rx.text("or", size="1", color_scheme="gray"),
                rx.separator(size="4"),
                align="center",
                width="100%",
            ),
        ),
        rx.cond(SessionState.local_login, _local_form()),
        rx.cond(
            ~any_provider & ~SessionState.local_login,
            rx.callout(
                "No sign-in method is set up on this server. An administrator needs to configure "
                "GitHub or Hugging Face sign-in (VIBE_GITHUB_CLIENT_ID, VIBE_HF_CLIENT_ID).",
                icon="info",
                color_scheme="amber",
                size="1",
            ),
        ),
        spacing="3",
        width="100%",
    )


@rx.page(route=routes.LOGIN, title="Sign in · Vibe", on_load=SessionState.load_login_page)
def login() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("sparkles", size=22, color="var(--accent-9)"),
                    rx.heading("Vibe", size="5"),
                    align="center",
                    spacing="2",
                ),
                rx.vstack(
                    rx.heading("Sign in", size="6"),
                    rx.text(
                        "Your projects, editor and assistant, on your own server.",
                        size="2",
                        color_scheme="gray",
                    ),
                    spacing="1",
                ),
                rx.cond(
                    SessionState.login_error != "",
                    rx.callout(
                        SessionState.login_error,
                        icon="triangle_alert",
                        color_scheme="red",
                        size="1",
                        width="100%",
                        id="login-error",
                    ),
                ),
                rx.cond(SessionState.login_ready, _methods(), shell.loading("Checking…")),
                spacing="5",
                width="100%",
            ),
            size="4",
            width="100%",
            max_width="400px",
        ),
        min_height="100vh",
        padding="4",
        background="var(--gray-2)",
    )


@rx.page(
    route=routes.PROFILE,
    title="Profile · Vibe",
    on_load=[SessionState.require_login, ProfileState.load],
)
def profile_page() -> rx.Component:
    return shell.page(
        rx.cond(
            ProfileState.loading & (ProfileState.sessions.length() == 0),
            shell.loading("Loading your profile…"),
            rx.vstack(
                profile.account_card(),
                profile.identities_card(),
                profile.sessions_card(),
                profile.tokens_card(),
                spacing="4",
                width="100%",
            ),
        ),
        profile.token_dialog(),
        profile.confirm_dialog(),
        title="Profile",
    )
