"""The AI panel's conversation: messages as they stream, edit proposals with Apply / Reject /
Undo, and the review dialog showing a proposal in the editor's diff view."""

from __future__ import annotations

import reflex as rx

from vibe.assistant.markdown import markdown
from vibe.assistant.rows import MessageRow, ProposalRow
from vibe.assistant.state import AssistantState
from vibe.editor.components import BORDER
from vibe.editor.monaco import diff_view

STATUS_COLORS = (
    ("pending", "blue"),
    ("applied", "green"),
    ("invalid", "red"),
    ("rejected", "gray"),
    ("undone", "gray"),
)
ANSWER_CSS = {
    "font_size": "13px",
    "line_height": "1.55",
    "& p": {"margin": "0 0 0.5em"},
    "& pre": {"max_width": "100%", "overflow_x": "auto", "font_size": "12px"},
    "& code": {"font_size": "12px"},
    "& ul, & ol": {"padding_left": "1.2em", "margin": "0 0 0.5em"},
}


# -- messages -------------------------------------------------------------------------------------
def _user_message(m: MessageRow) -> rx.Component:
    return rx.box(
        rx.text(m.content, size="2", white_space="pre-wrap", word_break="break-word"),
        background="var(--accent-a3)",
        border_radius="12px 12px 4px 12px",
        padding="8px 11px",
        max_width="88%",
        margin_left="auto",
        class_name="assistant-user",
    )


def _proposal_buttons(p: ProposalRow) -> rx.Component:
    review = rx.button(
        rx.icon("git-compare", size=13),
        "Review",
        size="1",
        variant="soft",
        color_scheme="gray",
        class_name="proposal-review",
        on_click=AssistantState.open_review(p.id),
    )
    return rx.match(
        p.status,
        (
            "pending",
            rx.hstack(
                review,
                rx.button(
                    "Reject",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    class_name="proposal-reject",
                    on_click=AssistantState.decide("reject", p.id),
                ),
                rx.button(
                    rx.icon("check", size=13),
                    "Apply",
                    size="1",
                    class_name="proposal-apply",
                    on_click=AssistantState.decide("apply", p.id),
                ),
                spacing="2",
            ),
        ),
        (
            "applied",
            rx.hstack(
                review,
                rx.button(
                    rx.icon("undo-2", size=13),
                    "Undo",
                    size="1",
                    variant="soft",
                    color_scheme="amber",
                    class_name="proposal-undo",
                    on_click=AssistantState.decide("undo", p.applied_id),
                ),
                spacing="2",
            ),
        ),
        (
            "invalid",
            rx.button(
                "Dismiss",
                size="1",
                variant="soft",
                color_scheme="gray",
                class_name="proposal-reject",
                on_click=AssistantState.decide("reject", p.id),
            ),
        ),
        rx.fragment(),
    )


def _proposal(p: ProposalRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon("file-diff", size=14, color="var(--gray-10)", flex_shrink="0"),
            rx.text(p.path, size="2", weight="medium", truncate=True, flex="1", title=p.path),
            rx.cond(
                p.added + p.removed > 0,
                rx.hstack(
                    rx.text("+", p.added, size="1", color="var(--green-11)"),
                    rx.text("−", p.removed, size="1", color="var(--red-11)"),
                    spacing="1",
                ),
            ),
            rx.badge(p.status, color_scheme=rx.match(p.status, *STATUS_COLORS, "gray"), size="1"),
            align="center",
            spacing="2",
            width="100%",
        ),
        rx.cond(
            p.reason != "",
            rx.text(
                p.reason,
                size="1",
                color="var(--red-11)",
                class_name="proposal-reason",
                word_break="break-word",
            ),
        ),
        _proposal_buttons(p),
        spacing="2",
        padding="var(--space-2)",
        border=BORDER,
        border_radius="var(--radius-3)",
        background="var(--gray-a2)",
        width="100%",
        class_name="proposal",
        custom_attrs={"data-status": p.status, "data-path": p.path},
    )


def _assistant_message(m: MessageRow) -> rx.Component:
    return rx.vstack(
        rx.cond(
            m.content != "",
            rx.box(markdown(text=m.content), style=ANSWER_CSS, width="100%", class_name="answer"),
        ),
        rx.cond(
            m.error != "",
            rx.callout(
                m.error,
                icon="triangle_alert",
                color_scheme="red",
                size="1",
                width="100%",
                white_space="pre-wrap",
                class_name="assistant-error",
            ),
        ),
        rx.foreach(m.proposals, _proposal),
        rx.cond(m.meta != "", rx.text(m.meta, size="1", color_scheme="gray")),
        spacing="2",
        width="100%",
        class_name="assistant-message",
        custom_attrs={"data-status": m.status},
    )


def _message(m: MessageRow) -> rx.Component:
    return rx.cond(m.role == "user", _user_message(m), _assistant_message(m))


def _live() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.spinner(size="1"),
            rx.text(AssistantState.live_status, size="1", color_scheme="gray"),
            align="center",
            spacing="2",
            id="assistant-live-status",
        ),
        rx.foreach(
            AssistantState.live_notes,
            lambda n: rx.text(
                n, size="1", color="var(--amber-11)", class_name="assistant-fallback"
            ),
        ),
        rx.cond(
            AssistantState.live_text != "",
            rx.box(markdown(text=AssistantState.live_text), style=ANSWER_CSS, width="100%"),
        ),
        spacing="2",
        width="100%",
        id="assistant-live",
    )


def _empty() -> rx.Component:
    return rx.vstack(
        rx.icon("message-circle-code", size=26, color="var(--gray-8)"),
        rx.text("Ask about this project", size="2", weight="medium"),
        rx.text(
            "The open file, your selection, pinned files and the code graph around the cursor "
            "are sent as context. Changes come back as diffs you apply or reject per file.",
            size="1",
            color_scheme="gray",
            align="center",
        ),
        align="center",
        spacing="2",
        padding="var(--space-5) var(--space-3)",
        width="100%",
    )


def messages() -> rx.Component:
    return rx.auto_scroll(
        rx.cond(
            (AssistantState.messages.length() == 0) & ~AssistantState.streaming,
            _empty(),
        ),
        rx.vstack(
            rx.foreach(AssistantState.messages, _message),
            rx.cond(AssistantState.streaming, _live()),
            spacing="4",
            width="100%",
        ),
        flex="1",
        min_height="0",
        width="100%",
        padding="var(--space-3)",
        id="assistant-messages",
    )


# -- review dialog --------------------------------------------------------------------------------
def review_dialog() -> rx.Component:
    pending = AssistantState.review_status == "pending"
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.icon("file-diff", size=16),
                rx.dialog.title(AssistantState.review_path, size="3", trim="both"),
                rx.badge(AssistantState.review_status, size="1"),
                rx.spacer(),
                rx.text(
                    rx.cond(pending, "file now ↔ with the edit", "before the edit ↔ now"),
                    size="1",
                    color_scheme="gray",
                ),
                rx.dialog.close(
                    rx.icon_button(rx.icon("x", size=14), variant="ghost", color_scheme="gray")
                ),
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.cond(
                AssistantState.review_note != "",
                rx.callout(
                    AssistantState.review_note,
                    icon="info",
                    color_scheme=rx.cond(pending, "red", "gray"),
                    size="1",
                    margin_top="var(--space-3)",
                    id="review-note",
                ),
            ),
            rx.cond(
                (AssistantState.review_original != "") | (AssistantState.review_modified != ""),
                rx.box(
                    diff_view(
                        original=AssistantState.review_original,
                        modified=AssistantState.review_modified,
                        path=AssistantState.review_path,
                    ),
                    height="62vh",
                    margin_top="var(--space-3)",
                    border=BORDER,
                ),
            ),
            rx.cond(
                pending & (AssistantState.review_note == ""),
                rx.hstack(
                    rx.text(
                        "Applying writes one versioned save you can undo.",
                        size="1",
                        color_scheme="gray",
                    ),
                    rx.spacer(),
                    rx.button(
                        "Reject",
                        variant="soft",
                        color_scheme="red",
                        on_click=AssistantState.decide("reject", AssistantState.review_id),
                        id="review-reject",
                    ),
                    rx.button(
                        rx.icon("check", size=14),
                        "Apply",
                        on_click=AssistantState.decide("apply", AssistantState.review_id),
                        id="review-apply",
                    ),
                    align="center",
                    spacing="3",
                    margin_top="var(--space-3)",
                    width="100%",
                ),
            ),
            max_width="1100px",
            width="90vw",
            id="assistant-review",
        ),
        open=AssistantState.review_id != 0,
        on_open_change=AssistantState.close_review,
    )
