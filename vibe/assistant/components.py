"""The AI panel of the editor: provider status, conversations, the how-to when no provider is
set up, the context budget with pins and the graph indicator, and the message box."""

from __future__ import annotations

import reflex as rx

from vibe.assistant.chat import messages, review_dialog
from vibe.assistant.providers import OLLAMA_URL
from vibe.assistant.state import BUDGETS, AssistantState
from vibe.editor.components import BORDER, icon_button
from vibe.editor.state import EditorState
from vibe.ui import routes

PANEL_WIDTH = "380px"


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
            # Plain text, not rx.code_block: that would bundle a highlighter into the page.
            rx.el.pre(
                "ollama pull qwen2.5-coder:7b\nollama serve",
                font_family="var(--code-font-family)",
                font_size="12px",
                padding="var(--space-2) var(--space-3)",
                margin="0",
                border_radius="var(--radius-2)",
                background="var(--gray-a3)",
                width="100%",
                overflow_x="auto",
            ),
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
            rx.fragment(_toolbar(), messages(), _context(), _composer()),
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


__all__ = ["assistant_panel", "review_dialog", "setup_help"]
