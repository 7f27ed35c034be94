"""The app shell: a top bar (brand, project switcher, user menu) above the page content."""

from __future__ import annotations

import reflex as rx

from vibe.ui import routes, theme


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("sparkles", size=20),
            rx.text("Vibe", weight="bold", size="4"),
            align="center",
            spacing="2",
        ),
        href=routes.PROJECTS,
        underline="none",
        color_scheme="gray",
        high_contrast=True,
    )


def top_bar() -> rx.Component:
    from vibe.auth.components import user_menu
    from vibe.projects.components import project_switcher

    return rx.hstack(
        brand(),
        project_switcher(),
        rx.spacer(),
        user_menu(),
        align="center",
        spacing="4",
        padding="0.75rem 1.25rem",
        border_bottom="1px solid var(--gray-5)",
        background="var(--color-panel-solid)",
        width="100%",
        position="sticky",
        top="0",
        z_index="10",
    )


def page(
    *children: rx.Component, title: str = "", actions: rx.Component | None = None
) -> rx.Component:
    """A signed-in page: shell plus a centred column with a heading row."""
    header = rx.hstack(
        rx.heading(title, size="6"),
        rx.spacer(),
        # the buttons keep their one-line width; a long title wraps instead
        rx.box(actions, flex_shrink="0") if actions is not None else rx.fragment(),
        align="center",
        width="100%",
    )
    return rx.box(
        top_bar(),
        rx.container(
            rx.vstack(header, *children, spacing=theme.GAP, width="100%"),
            size="3",
            padding_y="2rem",
            padding_x="1.25rem",
        ),
        min_height="100vh",
        background="var(--gray-2)",
    )


def dialog_actions(*buttons: rx.Component) -> rx.Component:
    """A dialog's button row, right-aligned: Cancel (which closes it) and the dialog's own."""
    return rx.hstack(
        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
        *buttons,
        justify="end",
        spacing="3",
        width="100%",
    )


def confirm_dialog(
    title: rx.Component | str,
    description: rx.Component | str,
    *,
    action: str,
    on_confirm: rx.EventHandler,
    action_id: str,
    open: rx.Var[bool],
    on_open_change: rx.EventHandler,
) -> rx.Component:
    """Ask before something that cannot be taken back: Cancel, or the red action."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(action, color_scheme="red", on_click=on_confirm, id=action_id)
                ),
                justify="end",
                spacing="3",
                margin_top="var(--space-4)",
            ),
            max_width="440px",
        ),
        open=open,
        on_open_change=on_open_change,
    )


def empty_state(
    icon: str, title: str, text: str, action: rx.Component | None = None
) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon(icon, size=32, color="var(--gray-9)"),
            rx.heading(title, size="4"),
            rx.text(text, color_scheme="gray", align="center"),
            action or rx.fragment(),
            align="center",
            spacing="3",
            padding="2rem",
        ),
        width="100%",
    )


def loading(label: str = "Loading…") -> rx.Component:
    return rx.hstack(rx.spinner(), rx.text(label, color_scheme="gray"), spacing="2", padding="1rem")
