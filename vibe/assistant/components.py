"""The AI panel of the editor: provider status, conversations, streamed answers, the context
budget, and edit proposals with their review dialog (the editor's diff view)."""

from __future__ import annotations

import reflex as rx

from vibe.assistant.providers import OLLAMA_URL
from vibe.assistant.state import BUDGETS, AssistantState, MessageRow, ProposalRow
from vibe.editor.components import BORDER, icon_button
from vibe.editor.monaco import diff_view
from vibe.editor.state import EditorState
from vibe.ui import routes

PANEL_WIDTH = "380px"
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


def _header() -> rx.Component:
    return rx.hstack(
        rx.icon("sparkles", size=15, color="var(--accent-9)"),
        rx.text("Assistant", size="2", weight="bold"),
        rx.spacer(),
        icon_button(
            "message-square-plus",
            "New conversation",
            on_click=AssistantState.new_conversation,
            id="assistant-new",
        ),
        rx.link(
            icon_button("settings-2", "AI provider settings"),
            href=routes.SETTINGS_AI,
            id="assistant-settings-link",
        ),
        icon_button("x", "Close assistant", on_click=EditorState.toggle_assistant),
        align="center",
        spacing="2",
        padding_x="var(--space-3)",
        height="36px",
        flex_shrink="0",
        border_bottom=BORDER,
        width="100%",
    )


def _toolbar() -> rx.Component:
    """Which conversation and which provider."""
    return rx.vstack(
        rx.select.root(
            rx.select.trigger(placeholder="New conversation", width="100%", id="assistant-history"),
            rx.select.content(
                rx.select.item("New conversation", value="new"),
                rx.foreach(
                    AssistantState.conversations,
                    lambda c: rx.select.item(c["title"], value=c["id"], class_name="history-item"),
                ),
            ),
            value=AssistantState.conversation_id,
            on_change=AssistantState.open_conversation,
            size="1",
        ),
        rx.hstack(
            rx.box(
                width="7px",
                height="7px",
                border_radius="50%",
                background="var(--green-9)",
                flex_shrink="0",
            ),
            rx.select.root(
                rx.select.trigger(variant="ghost", id="assistant-provider"),
                rx.select.content(
                    rx.select.item("Providers in fallback order", value="auto"),
                    rx.foreach(
                        AssistantState.providers,
                        lambda p: rx.select.item(p["label"], value=p["id"]),
                    ),
                ),
                value=AssistantState.provider_choice,
                on_change=AssistantState.set_provider_choice,
                size="1",
            ),
            rx.spacer(),
            rx.cond(
                AssistantState.conversation_id != "new",
                icon_button(
                    "trash-2",
                    "Delete this conversation",
                    on_click=AssistantState.delete_conversation,
                    id="assistant-delete-conversation",
                ),
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
        spacing="2",
        padding="var(--space-2) var(--space-3)",
        border_bottom=BORDER,
        width="100%",
        flex_shrink="0",
    )


def setup_help() -> rx.Component:
    """What to do when no provider is configured, including a local Ollama."""
    return rx.vstack(
        rx.center(
            rx.icon("plug-zap", size=22, color="var(--accent-9)"),
            width="44px",
            height="44px",
            border_radius="12px",
            background="var(--accent-a3)",
        ),
        rx.heading("Connect a language model", size="3"),
        rx.text(
            "No AI provider is set up yet. Add one in your AI provider settings: any "
            "OpenAI-compatible endpoint (OpenAI, OpenRouter, the Hugging Face router, vLLM) or "
            "Anthropic, with its base URL, API key and default model.",
            size="2",
            color_scheme="gray",
        ),
        rx.box(
            rx.text("Local and free, no key needed:", size="2", weight="medium"),
            rx.text(
                "Run Ollama, then add a provider of kind ",
                rx.code("openai_compatible", size="1"),
                " with base URL ",
                rx.code(OLLAMA_URL, size="1"),
                " and a model such as ",
                rx.code("qwen2.5-coder:7b", size="1"),
                ".",
                size="2",
                color_scheme="gray",
            ),
            rx.code_block("ollama pull qwen2.5-coder:7b\nollama serve", language="bash"),
            width="100%",
        ),
        rx.link(
            rx.button(rx.icon("settings-2", size=14), "Open AI provider settings", size="2"),
            href=routes.SETTINGS_AI,
            id="assistant-setup-link",
        ),
        spacing="3",
        padding="var(--space-4)",
        align="start",
        width="100%",
        overflow_y="auto",
        flex="1",
        id="assistant-setup",
    )


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
            rx.box(rx.markdown(m.content), style=ANSWER_CSS, width="100%", class_name="answer"),
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
            rx.box(rx.markdown(AssistantState.live_text), style=ANSWER_CSS, width="100%"),
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


def _messages() -> rx.Component:
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


# -- context and input ----------------------------------------------------------------------------
def _pin(path: rx.Var) -> rx.Component:
    return rx.badge(
        rx.icon("pin", size=11),
        rx.text(path, truncate=True, max_width="150px"),
        rx.icon(
            "x",
            size=11,
            cursor="pointer",
            on_click=AssistantState.toggle_pin(path),
        ),
        variant="surface",
        color_scheme="gray",
        size="1",
        class_name="context-pin",
        title=path,
    )


def _part(p: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(p["label"], size="1", truncate=True, flex="1", title=p["note"]),
        rx.text(p["tokens"], size="1", color_scheme="gray"),
        rx.badge(
            p["state"],
            size="1",
            color_scheme=rx.match(p["state"], ("included", "green"), ("truncated", "amber"), "red"),
        ),
        align="center",
        spacing="2",
        width="100%",
        class_name="context-part",
    )


def _graph_badge() -> rx.Component:
    label = rx.match(
        AssistantState.graph_status,
        ("used", "graph: neighbourhood included"),
        ("not indexed", "graph: project not indexed"),
        ("no symbol at cursor", "graph: no symbol at cursor"),
        ("off", "graph: no file open"),
        "graph: unavailable",
    )
    return rx.badge(
        rx.icon("share-2", size=11),
        label,
        size="1",
        variant="soft",
        color_scheme=rx.cond(AssistantState.graph_status == "used", "indigo", "gray"),
        id="context-graph",
    )


def _context() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.popover.root(
                rx.popover.trigger(
                    rx.button(
                        rx.icon("layers", size=13),
                        AssistantState.token_label,
                        size="1",
                        variant="ghost",
                        color_scheme="gray",
                        id="context-tokens",
                    )
                ),
                rx.popover.content(
                    rx.vstack(
                        rx.text("How the context budget is spent", size="1", weight="bold"),
                        rx.foreach(AssistantState.parts, _part),
                        spacing="1",
                        width="320px",
                    ),
                    side="top",
                ),
            ),
            rx.spacer(),
            rx.select(
                list(BUDGETS),
                value=AssistantState.budget,
                on_change=AssistantState.set_budget,
                size="1",
                variant="ghost",
                id="context-budget",
            ),
            icon_button("refresh-cw", "Refresh the context", on_click=AssistantState.preview),
            align="center",
            spacing="2",
            width="100%",
        ),
        rx.progress(value=AssistantState.budget_percent, size="1", width="100%"),
        rx.flex(
            _graph_badge(),
            rx.foreach(AssistantState.pinned, _pin),
            wrap="wrap",
            spacing="1",
            width="100%",
        ),
        spacing="2",
        padding="var(--space-2) var(--space-3) 0",
        width="100%",
        border_top=BORDER,
        id="assistant-context",
    )


def _composer() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text_area(
                name="message",
                placeholder="Ask about the code, or ask for a change…",
                rows="3",
                width="100%",
                enter_key_submit=True,
                id="assistant-input",
                style={"font_size": "13px"},
            ),
            rx.hstack(
                rx.text(
                    "Enter to send · Shift+Enter for a new line", size="1", color_scheme="gray"
                ),
                rx.spacer(),
                rx.cond(
                    AssistantState.streaming,
                    rx.button(
                        rx.icon("square", size=12),
                        "Stop",
                        size="1",
                        color_scheme="red",
                        variant="soft",
                        type="button",
                        loading=AssistantState.stopping,
                        on_click=AssistantState.stop,
                        id="assistant-stop",
                    ),
                    rx.button(
                        rx.icon("send-horizontal", size=13),
                        "Send",
                        size="1",
                        type="submit",
                        id="assistant-send",
                    ),
                ),
                align="center",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=AssistantState.send,
        reset_on_submit=True,
        padding="var(--space-2) var(--space-3) var(--space-3)",
        width="100%",
    )


def assistant_panel() -> rx.Component:
    return rx.vstack(
        _header(),
        rx.cond(
            AssistantState.configured,
            rx.fragment(_toolbar(), _messages(), _context(), _composer()),
            setup_help(),
        ),
        spacing="0",
        height="100%",
        width=PANEL_WIDTH,
        flex_shrink="0",
        border_left=BORDER,
        background="var(--color-panel-solid)",
        id="assistant-slot",
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
