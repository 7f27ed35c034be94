"""/settings/ai: the signed-in user's AI providers (the assistant panel links here)."""

from __future__ import annotations

import reflex as rx

from vibe.assistant.providers import OLLAMA_URL
from vibe.assistant.settings_state import KINDS, AiSettingsState
from vibe.auth.state import SessionState
from vibe.ui import routes, shell


def _field(label: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        control,
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        spacing="1",
        width="100%",
    )


def _text(name: str, placeholder: str = "", **props: object) -> rx.Component:
    return rx.input(
        name=name,
        default_value=AiSettingsState.form[name],
        placeholder=placeholder,
        width="100%",
        id=f"provider-{name.replace('_', '-')}",
        **props,
    )


def provider_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(AiSettingsState.editing == "", "Add a provider", "Edit provider")
            ),
            rx.form(
                rx.vstack(
                    _field("Name", _text("name", "e.g. Local Ollama")),
                    _field(
                        "Kind",
                        rx.select(
                            KINDS,
                            name="kind",
                            default_value=AiSettingsState.form["kind"],
                            width="100%",
                            id="provider-kind",
                        ),
                    ),
                    _field(
                        "Base URL",
                        _text("base_url", OLLAMA_URL),
                        "Empty: the vendor's own API. Ollama: " + OLLAMA_URL,
                    ),
                    _field(
                        "API key",
                        rx.input(
                            name="api_key",
                            type="password",
                            placeholder=rx.cond(
                                AiSettingsState.editing == "",
                                "Not needed for a local model",
                                "Stored: " + AiSettingsState.form["key"] + " (leave empty to keep)",
                            ),
                            width="100%",
                            auto_complete="off",
                            id="provider-api-key",
                        ),
                        "Write-only: stored encrypted, never shown again.",
                    ),
                    _field("Default model", _text("default_model", "qwen2.5-coder:7b")),
                    rx.hstack(
                        _field(
                            "Priority", _text("priority", type="number"), "Lower is tried first"
                        ),
                        _field("Timeout (s)", _text("timeout_seconds", type="number")),
                        spacing="3",
                        width="100%",
                    ),
                    rx.hstack(
                        rx.checkbox(
                            "Enabled",
                            name="enabled",
                            default_checked=AiSettingsState.form["enabled"] != "",
                        ),
                        rx.cond(
                            AiSettingsState.editing != "",
                            rx.checkbox("Remove the stored key", name="clear_key"),
                        ),
                        spacing="4",
                    ),
                    rx.cond(
                        AiSettingsState.error != "",
                        rx.callout(
                            AiSettingsState.error,
                            icon="triangle_alert",
                            color_scheme="red",
                            size="1",
                            width="100%",
                            id="provider-error",
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                        rx.button("Save", type="submit", id="provider-save"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=AiSettingsState.save,
                reset_on_submit=False,
            ),
            max_width="520px",
        ),
        open=AiSettingsState.dialog_open,
        on_open_change=AiSettingsState.set_dialog_open,
    )


def _detail(label: str, value: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="1", color_scheme="gray", width="72px", flex_shrink="0"),
        rx.text(value, size="1", truncate=True),
        spacing="2",
        width="100%",
    )


def provider_card(row: rx.Var) -> rx.Component:
    pid = row["id"]
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("bot", size=18, color="var(--accent-9)"),
                rx.text(row["name"], weight="bold", size="3"),
                rx.badge(row["kind"], size="1", variant="soft"),
                rx.spacer(),
                rx.switch(
                    checked=row["enabled"] != "",
                    on_change=lambda v: AiSettingsState.set_enabled(pid, v),
                    size="1",
                ),
                align="center",
                spacing="2",
                width="100%",
            ),
            _detail("Base URL", rx.cond(row["base_url"] != "", row["base_url"], "vendor default")),
            _detail("Model", row["model"]),
            _detail("API key", row["key"]),
            _detail("Priority", row["priority"] + " · timeout " + row["timeout"] + " s"),
            rx.cond(
                AiSettingsState.results.contains(pid),
                rx.callout.root(
                    # Two static icons: an icon named by a var would load lucide's DynamicIcon.
                    rx.callout.icon(
                        rx.cond(
                            AiSettingsState.results_ok[pid],
                            rx.icon("circle_check"),
                            rx.icon("triangle_alert"),
                        )
                    ),
                    rx.callout.text(AiSettingsState.results[pid]),
                    color_scheme=rx.cond(AiSettingsState.results_ok[pid], "green", "red"),
                    size="1",
                    width="100%",
                    class_name="provider-test-result",
                ),
            ),
            rx.cond(
                AiSettingsState.models.contains(pid),
                rx.flex(
                    rx.foreach(
                        AiSettingsState.models[pid].to(list[str]),
                        lambda m: rx.badge(m, size="1", variant="outline", color_scheme="gray"),
                    ),
                    wrap="wrap",
                    spacing="1",
                    class_name="provider-models",
                ),
            ),
            rx.hstack(
                rx.button(
                    rx.icon("plug", size=14),
                    "Test connection",
                    size="1",
                    variant="soft",
                    loading=AiSettingsState.testing == pid,
                    on_click=AiSettingsState.test(pid),
                    class_name="provider-test",
                ),
                rx.button(
                    rx.icon("pencil", size=14),
                    "Edit",
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=AiSettingsState.start_edit(pid),
                    class_name="provider-edit",
                ),
                rx.spacer(),
                rx.button(
                    rx.icon("trash-2", size=14),
                    "Delete",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=AiSettingsState.delete(pid),
                    class_name="provider-delete",
                ),
                width="100%",
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="provider-card",
    )


def intro() -> rx.Component:
    return rx.callout(
        rx.text(
            "The assistant tries your enabled providers in priority order and falls back to "
            "the next one when a provider fails before answering. For a local model, run "
            "Ollama and add kind openai_compatible with base URL ",
            rx.code(OLLAMA_URL),
            " and no key.",
        ),
        icon="info",
        width="100%",
    )


@rx.page(
    route=routes.SETTINGS_AI,
    title="AI providers · Vibe",
    on_load=[SessionState.require_login, AiSettingsState.load],
)
def ai_settings_page() -> rx.Component:
    return shell.page(
        intro(),
        rx.cond(
            AiSettingsState.rows.length() == 0,
            rx.cond(
                AiSettingsState.loading,
                shell.loading("Loading your providers…"),
                shell.empty_state(
                    "bot",
                    "No AI provider yet",
                    "Add an OpenAI-compatible endpoint, Anthropic or a local Ollama.",
                ),
            ),
            rx.grid(
                rx.foreach(AiSettingsState.rows, provider_card),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
                id="provider-list",
            ),
        ),
        provider_dialog(),
        title="AI providers",
        actions=rx.button(
            rx.icon("plus", size=14),
            "Add provider",
            on_click=AiSettingsState.start_add,
            id="add-provider",
        ),
    )
