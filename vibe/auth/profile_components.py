"""Sections of the profile page: account, sign-in methods, sessions, API tokens, dialogs."""

from __future__ import annotations

import reflex as rx

from vibe.auth.components import provider_mark
from vibe.auth.profile_state import ProfileState
from vibe.auth.state import SessionState
from vibe.ui import shell


def _section(
    title: str, text: str, *body: rx.Component, action: rx.Component | None = None
) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.heading(title, size="4"),
                    rx.text(text, size="2", color_scheme="gray"),
                    spacing="1",
                ),
                rx.spacer(),
                action or rx.fragment(),
                align="start",
                width="100%",
            ),
            *body,
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def account_card() -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.avatar(
                src=SessionState.avatar_url,
                fallback=SessionState.username[:2],
                size="5",
                radius="full",
            ),
            rx.vstack(
                rx.hstack(
                    rx.heading(SessionState.display_name, size="5"),
                    rx.cond(SessionState.is_admin, rx.badge("admin", variant="soft")),
                    align="center",
                    spacing="2",
                ),
                rx.text("@", SessionState.username, size="2", color_scheme="gray"),
                rx.cond(ProfileState.email != "", rx.text(ProfileState.email, size="2")),
                spacing="1",
            ),
            align="center",
            spacing="4",
        ),
        size="3",
        width="100%",
    )


def _identity(row: rx.Var) -> rx.Component:
    return rx.hstack(
        provider_mark(row["provider"]),
        rx.text(row["label"], weight="medium", size="2"),
        rx.text(row["login"], size="2", color_scheme="gray"),
        rx.spacer(),
        rx.text("linked ", row["since"], size="1", color_scheme="gray"),
        align="center",
        spacing="3",
        width="100%",
        id="identity-" + row["provider"].to(str),
    )


def _connect(item: rx.Var) -> rx.Component:
    return rx.link(
        rx.button(
            provider_mark(item["provider"], 16),
            "Connect ",
            item["label"],
            variant="soft",
            size="2",
        ),
        href=item["url"],
        reload_document=True,
        underline="none",
        id="connect-" + item["provider"].to(str),
    )


def identities_card() -> rx.Component:
    return _section(
        "Sign-in methods",
        "Accounts you can sign in with. Connect another to use it for the same Vibe user.",
        rx.vstack(rx.foreach(ProfileState.identities, _identity), spacing="3", width="100%"),
        rx.cond(
            ProfileState.connect.length() > 0,
            rx.hstack(rx.foreach(ProfileState.connect, _connect), spacing="2", wrap="wrap"),
        ),
    )


def _session(row: rx.Var) -> rx.Component:
    current = row["current"] != ""
    return rx.hstack(
        rx.icon("monitor_smartphone", size=18, color="var(--gray-9)"),
        rx.vstack(
            rx.hstack(
                rx.text(row["device"], weight="medium", size="2"),
                rx.cond(current, rx.badge("This browser", color_scheme="green", variant="soft")),
                align="center",
                spacing="2",
            ),
            rx.text(
                row["ip"],
                " · active ",
                row["last_seen"],
                " · signed in ",
                row["created"],
                size="1",
                color_scheme="gray",
            ),
            spacing="1",
        ),
        rx.spacer(),
        rx.button(
            rx.cond(current, "Sign out", "Revoke"),
            variant="soft",
            color_scheme="red",
            size="1",
            on_click=ProfileState.ask_revoke("session", row["id"], row["device"]),
            id="revoke-session-" + row["id"].to(str),
        ),
        align="center",
        spacing="3",
        width="100%",
    )


def sessions_card() -> rx.Component:
    return _section(
        "Active sessions",
        "Browsers signed in to your account. Revoke any you do not recognise.",
        rx.vstack(rx.foreach(ProfileState.sessions, _session), spacing="3", width="100%"),
    )


def _token_row(row: rx.Var) -> rx.Component:
    name = row["name"].to(str)
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row["name"], weight="medium")),
        rx.table.cell(rx.code(row["prefix"], variant="ghost")),
        rx.table.cell(row["scopes"]),
        rx.table.cell(row["created"]),
        rx.table.cell(row["last_used"]),
        rx.table.cell(row["expires"]),
        rx.table.cell(
            rx.button(
                "Revoke",
                variant="soft",
                color_scheme="red",
                size="1",
                on_click=ProfileState.ask_revoke("token", row["id"], row["name"]),
                id="revoke-token-" + name,
            ),
            justify="end",
        ),
        align="center",
        id="token-row-" + name,
    )


def _token_table() -> rx.Component:
    headers = ("Name", "Token", "Scopes", "Created", "Last used", "Expires", "")
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(ProfileState.tokens, _token_row)),
        variant="surface",
        size="1",
        width="100%",
    )


def tokens_card() -> rx.Component:
    return _section(
        "API tokens",
        "Tokens let scripts and MCP clients call the Vibe API as you.",
        rx.cond(
            ProfileState.tokens.length() == 0,
            shell.empty_state("key_round", "No API tokens", "Create one to call the API."),
            rx.box(_token_table(), overflow_x="auto", width="100%"),
        ),
        action=rx.button(
            rx.icon("plus", size=16),
            "New token",
            on_click=ProfileState.set_dialog_open(True),
            id="create-token",
        ),
    )


def _field(label: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="2", weight="medium"), control, spacing="1", width="100%")


def _scope(scope: str, text: str) -> rx.Component:
    return rx.checkbox(
        text,
        checked=ProfileState.scopes.contains(scope),
        on_change=lambda checked: ProfileState.toggle_scope(scope, checked),
    )


def _token_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            _field(
                "Name",
                rx.input(
                    name="name",
                    id="token-name",
                    placeholder="e.g. laptop CLI",
                    max_length=100,
                    auto_focus=True,
                    width="100%",
                ),
            ),
            _field(
                "Scopes",
                rx.hstack(
                    _scope("read", "Read"),
                    _scope("write", "Write"),
                    rx.cond(SessionState.is_admin, _scope("admin", "Admin")),
                    spacing="4",
                ),
            ),
            _field(
                "Expires",
                rx.select.root(
                    rx.select.trigger(width="100%", id="token-expiry"),
                    rx.select.content(
                        rx.select.item("In 30 days", value="30"),
                        rx.select.item("In 90 days", value="90"),
                        rx.select.item("In a year", value="365"),
                        rx.select.item("Never", value="never"),
                    ),
                    value=ProfileState.expiry,
                    on_change=ProfileState.set_expiry,
                ),
            ),
            rx.cond(
                ProfileState.form_error != "",
                rx.text(ProfileState.form_error, color_scheme="red", size="2", id="token-error"),
            ),
            shell.dialog_actions(
                rx.button(
                    "Create token",
                    type="submit",
                    loading=ProfileState.creating,
                    id="create-token-submit",
                ),
            ),
            spacing="4",
        ),
        on_submit=ProfileState.create_token,
        reset_on_submit=False,
    )


def _token_shown_once() -> rx.Component:
    return rx.vstack(
        rx.callout(
            "Copy it now: this is the only time the token is shown.",
            icon="triangle_alert",
            color_scheme="amber",
            size="1",
            width="100%",
        ),
        rx.hstack(
            rx.code(
                ProfileState.new_token,
                id="new-token-value",
                size="2",
                style={"word_break": "break-all"},
            ),
            rx.icon_button(
                rx.icon("copy", size=16),
                variant="soft",
                on_click=[
                    rx.set_clipboard(ProfileState.new_token),
                    rx.toast.success("Token copied"),
                ],
                id="copy-token",
                aria_label="Copy token",
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
        rx.hstack(
            rx.dialog.close(rx.button("Done", id="token-done")),
            justify="end",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def token_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(ProfileState.new_token != "", "Your new token", "New token")),
            rx.dialog.description(
                "Use it as 'Authorization: Bearer <token>'. Give it only the scopes it needs.",
                size="2",
                color_scheme="gray",
                margin_bottom="4",
            ),
            rx.cond(ProfileState.new_token != "", _token_shown_once(), _token_form()),
            max_width="480px",
        ),
        open=ProfileState.dialog_open,
        on_open_change=ProfileState.set_dialog_open,
    )


def confirm_dialog() -> rx.Component:
    is_token = ProfileState.confirm_kind == "token"
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(
                rx.cond(is_token, "Revoke this token?", "Sign out this session?")
            ),
            rx.alert_dialog.description(
                rx.cond(
                    is_token,
                    "Scripts using “" + ProfileState.confirm_label + "” will stop working at once.",
                    "“" + ProfileState.confirm_label + "” will have to sign in again.",
                ),
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button(
                    rx.cond(is_token, "Revoke", "Sign out"),
                    color_scheme="red",
                    on_click=ProfileState.confirm_revoke,
                    id="confirm-revoke",
                ),
                justify="end",
                spacing="3",
                margin_top="4",
            ),
            max_width="420px",
        ),
        open=ProfileState.confirm_open,
        on_open_change=ProfileState.set_confirm_open,
    )
