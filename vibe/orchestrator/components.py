"""Pieces of the MCP pages: the server table, the add form, import/export and the tool
browser whose "try it" form is drawn from the tool's input schema."""

from __future__ import annotations

import reflex as rx

from vibe.orchestrator.state import PROBE_SECONDS, McpState
from vibe.ui import shell


def _flag(server: rx.Var, flag: str, label: str) -> rx.Component:
    return rx.vstack(
        rx.switch(
            checked=server[flag].to(bool),
            on_change=lambda v: McpState.toggle(server["id"], flag, v),
            disabled=~server["editable"].to(bool),
            size="1",
            id=f"flag-{flag}-" + server["name"].to(str),
        ),
        rx.text(label, size="1", color_scheme="gray"),
        spacing="1",
        align="center",
    )


def _row_action(
    server: rx.Var, icon: str, label: str, key: str, color: str, handler: rx.EventHandler
) -> rx.Component:
    """A row's icon button; ``handler`` gets the server's id and name."""
    return rx.icon_button(
        rx.icon(icon, size=14),
        size="1",
        variant="ghost",
        color_scheme=color,
        on_click=handler(server["id"], server["name"]),
        aria_label=label,
        title=label,
        id=f"{key}-" + server["name"].to(str),
    )


def server_row(server: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.hstack(
                    rx.text(server["name"], weight="bold"),
                    rx.badge(server["scope"], variant="soft", color_scheme="gray", size="1"),
                    spacing="2",
                    align="center",
                ),
                rx.text(server["target"], size="1", color_scheme="gray", font_family="monospace"),
                rx.cond(
                    server["error"].to(str) != "",
                    rx.text(server["error"], size="1", color_scheme="red", max_width="28rem"),
                ),
                spacing="1",
            )
        ),
        rx.table.cell(
            rx.badge(
                server["status"],
                color_scheme=server["color"].to(str),
                variant="soft",
                class_name="mcp-status",
            )
        ),
        rx.table.cell(rx.text(server["latency"], size="2", id="latency-" + server["name"].to(str))),
        rx.table.cell(rx.text(server["tools"], size="2")),
        rx.table.cell(
            rx.hstack(
                _flag(server, "enabled", "on"),
                _flag(server, "read_only", "read-only"),
                _flag(server, "confirm_mutations", "confirm"),
                spacing="3",
            )
        ),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    rx.icon("wrench", size=14),
                    "Tools",
                    size="1",
                    variant="soft",
                    on_click=McpState.browse(server["id"]),
                    id="browse-" + server["name"].to(str),
                ),
                _row_action(
                    server, "scroll-text", "Server log (stderr)", "log", "gray", McpState.show_log
                ),
                rx.cond(
                    server["removable"].to(bool),
                    _row_action(
                        server, "trash-2", "Remove server", "remove", "red", McpState.ask_remove
                    ),
                ),
                spacing="2",
            )
        ),
        align="center",
    )


def _log_block(text: rx.Var, key: str) -> rx.Component:
    return rx.box(
        rx.text(text, white_space="pre-wrap", font_family="monospace", size="1"),
        max_height="18rem",
        overflow="auto",
        padding="0.5rem 0.75rem",
        border="1px solid var(--gray-5)",
        border_radius="var(--radius-2)",
        background="var(--gray-2)",
        width="100%",
        id=key,
    )


def log_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("stderr of ", McpState.log_name),
            rx.dialog.description(
                "Its last lines, with its secrets and anything like a token masked.",
                size="2",
                color_scheme="gray",
            ),
            rx.box(
                rx.cond(
                    McpState.log_text != "",
                    _log_block(McpState.log_text, "server-log"),
                    rx.text("Nothing on stderr yet.", color_scheme="gray", id="server-log-empty"),
                ),
                margin_top="var(--space-3)",
            ),
            rx.hstack(
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                justify="end",
                margin_top="var(--space-4)",
            ),
            max_width="720px",
        ),
        open=McpState.log_name != "",
        on_open_change=McpState.close_log,
    )


def remove_dialog() -> rx.Component:
    return shell.confirm_dialog(
        rx.text("Remove ", McpState.remove_name, "?"),
        "Vibe stops the server and forgets its settings and stored secrets. Its calls stay in "
        "the audit log.",
        action="Remove",
        on_confirm=McpState.confirm_remove,
        action_id="confirm-remove",
        open=McpState.remove_id != 0,
        on_open_change=McpState.cancel_remove,
    )


def server_table() -> rx.Component:
    head = ["Server", "Health", "Latency", "Tools", "Flags", ""]
    return rx.card(
        rx.cond(
            McpState.servers.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in head])),
                rx.table.body(rx.foreach(McpState.servers, server_row)),
                width="100%",
                variant="ghost",
            ),
            rx.text("No MCP servers yet.", color_scheme="gray"),
        ),
        remove_dialog(),
        log_dialog(),
        width="100%",
    )


def _labelled(label: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        control,
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        spacing="1",
        width="100%",
    )


def add_form() -> rx.Component:
    stdio = McpState.transport == "stdio"
    return rx.form(
        rx.vstack(
            rx.hstack(
                _labelled(
                    "Name", rx.input(name="name", placeholder="echo", id="mcp-name", width="100%")
                ),
                _labelled(
                    "Transport",
                    rx.select(
                        ["stdio", "streamable_http", "sse"],
                        value=McpState.transport,
                        on_change=McpState.set_transport,
                        id="mcp-transport",
                        width="100%",
                    ),
                ),
                width="100%",
                spacing="3",
            ),
            rx.cond(
                stdio,
                rx.vstack(
                    _labelled(
                        "Command",
                        rx.input(
                            name="command",
                            placeholder="/usr/bin/python3",
                            id="mcp-command",
                            width="100%",
                        ),
                    ),
                    _labelled(
                        "Arguments",
                        rx.text_area(name="args", rows="2", id="mcp-args", width="100%"),
                        "One per line.",
                    ),
                    _labelled(
                        "Environment",
                        rx.text_area(name="env", rows="2", placeholder="KEY=value", width="100%"),
                        "KEY=value, one per line; names with TOKEN, KEY, SECRET… stay "
                        "encrypted when imported.",
                    ),
                    width="100%",
                ),
                _labelled(
                    "URL",
                    rx.input(
                        name="url", placeholder="https://host/mcp", id="mcp-url", width="100%"
                    ),
                ),
            ),
            _labelled("Description", rx.input(name="description", width="100%")),
            rx.cond(
                McpState.test_message != "",
                rx.callout(
                    McpState.test_message,
                    color_scheme=rx.cond(McpState.test_ok, "green", "red"),
                    size="1",
                    width="100%",
                    id="mcp-test-result",
                ),
            ),
            rx.cond(McpState.test_log != "", _log_block(McpState.test_log, "mcp-test-log")),
            rx.hstack(
                rx.cond(
                    McpState.testing,
                    rx.hstack(
                        _stop_button("Stop test", McpState.stop_test, "mcp-test-stop"),
                        rx.text(
                            f"Connecting… gives up after {PROBE_SECONDS:.0f} s",
                            size="1",
                            color_scheme="gray",
                        ),
                        align="center",
                        spacing="2",
                    ),
                    rx.button(
                        rx.icon("plug", size=14),
                        "Test connection",
                        type="button",
                        variant="soft",
                        id="mcp-test",
                        on_click=rx.call_script(
                            "Object.fromEntries("
                            "new FormData(document.getElementById('mcp-add-form')))",
                            callback=McpState.test_connection,
                        ),
                    ),
                ),
                rx.spacer(),
                rx.dialog.close(rx.button("Cancel", type="button", variant="ghost")),
                rx.button("Add server", type="submit", id="mcp-add-submit"),
                align="center",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=McpState.add_server,
        id="mcp-add-form",
        width="100%",
    )


def add_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(
                rx.icon("plus", size=16), "Add server", id="mcp-add", disabled=~McpState.can_edit
            )
        ),
        rx.dialog.content(
            rx.dialog.title("Add an MCP server"),
            rx.dialog.description(
                "Test the connection before saving: nothing is stored until you add it.",
                size="2",
                color_scheme="gray",
                margin_bottom="1rem",
            ),
            add_form(),
            max_width="34rem",
        ),
        open=McpState.add_open,
        on_open_change=McpState.set_add_open,
    )


def import_export() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Import / export", size="3"),
                rx.spacer(),
                rx.button(
                    rx.icon("download", size=14),
                    "Export JSON",
                    variant="soft",
                    size="2",
                    on_click=McpState.export_config,
                    id="mcp-export",
                ),
                width="100%",
                align="center",
            ),
            rx.text(
                "Paste a Claude Desktop / Cursor (mcpServers) or VS Code (servers) config.",
                size="2",
                color_scheme="gray",
            ),
            rx.text_area(
                value=McpState.import_text,
                on_change=McpState.set_import_text,
                placeholder='{"mcpServers": {"name": {"command": "...", "args": []}}}',
                rows="5",
                font_family="monospace",
                width="100%",
                id="mcp-import-text",
            ),
            rx.cond(
                McpState.import_error != "",
                rx.callout(
                    McpState.import_error,
                    icon="triangle-alert",
                    color_scheme="red",
                    size="1",
                    width="100%",
                    id="mcp-import-error",
                ),
            ),
            rx.hstack(
                rx.button(
                    "Import",
                    on_click=McpState.import_config,
                    disabled=~McpState.can_edit,
                    id="mcp-import",
                ),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _stop_button(label: str, stop: rx.EventHandler, key: str) -> rx.Component:
    """What stands in for a button while its work runs: the spinner says it runs, the click
    stops it."""
    return rx.button(
        rx.spinner(size="1"),
        label,
        type="button",
        variant="soft",
        color_scheme="gray",
        on_click=stop,
        id=key,
    )


def _field(field: rx.Var) -> rx.Component:
    name = field["name"].to(str)
    key = "arg-" + name  # every control has an id: labels, tests and scripts find it
    control = rx.match(
        field["kind"],
        (
            "boolean",
            rx.checkbox(name=name, default_checked=field["default"].to(str) == "true", id=key),
        ),
        ("enum", rx.select(field["options"].to(list[str]), name=name, id=key)),
        ("strings", rx.text_area(name=name, rows="3", placeholder="one value per line", id=key)),
        (
            "json",
            rx.text_area(name=name, rows="3", font_family="monospace", placeholder="JSON", id=key),
        ),
        (
            "integer",
            rx.input(name=name, type="number", step="1", default_value=field["default"], id=key),
        ),
        (
            "number",
            rx.input(name=name, type="number", step="any", default_value=field["default"], id=key),
        ),
        rx.input(name=name, default_value=field["default"].to(str), id=key, width="100%"),
    )
    return rx.vstack(
        rx.hstack(
            rx.text(field["label"], size="2", weight="medium", font_family="monospace"),
            rx.badge(field["kind"], size="1", variant="surface", color_scheme="gray"),
            spacing="2",
            align="center",
        ),
        control,
        rx.cond(
            field["description"].to(str) != "",
            rx.text(field["description"], size="1", color_scheme="gray"),
        ),
        spacing="1",
        width="100%",
    )


def try_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.hstack(
                rx.heading(McpState.tool_name, size="3", font_family="monospace"),
                rx.spacer(),
                rx.text("Raw JSON", size="1", color_scheme="gray"),
                rx.switch(checked=McpState.raw_mode, on_change=McpState.set_raw_mode, size="1"),
                width="100%",
                align="center",
            ),
            rx.text(McpState.tool_description, size="2", color_scheme="gray"),
            rx.cond(
                McpState.raw_mode,
                rx.text_area(
                    value=McpState.raw_arguments,
                    on_change=McpState.set_raw_arguments,
                    rows="6",
                    font_family="monospace",
                    width="100%",
                    name="tool-raw",  # forms submit named controls only (Reflex 0.11)
                    id="tool-raw",
                ),
                rx.vstack(rx.foreach(McpState.fields, _field), spacing="3", width="100%"),
            ),
            rx.cond(
                McpState.calling,
                _stop_button("Stop", McpState.stop_call, "tool-stop"),
                rx.button(rx.icon("play", size=14), "Run", type="submit", id="tool-run"),
            ),
            rx.cond(
                McpState.result != "",
                rx.box(
                    rx.code_block(
                        McpState.result,
                        language="json",
                        wrap_long_lines=True,
                        custom_style={"margin": "0", "maxHeight": "24rem"},
                    ),
                    border=rx.cond(
                        McpState.result_error, "1px solid var(--red-7)", "1px solid var(--gray-5)"
                    ),
                    border_radius="var(--radius-3)",
                    overflow="auto",
                    width="100%",
                    id="tool-result",
                    data_error=McpState.result_error.to(str),
                ),
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=McpState.call_tool,
        reset_on_submit=False,
        width="100%",
    )


def _tool_item(tool: rx.Var) -> rx.Component:
    chosen = McpState.tool_name == tool["name"]
    return rx.box(
        rx.text(tool["name"], size="2", weight="medium", font_family="monospace"),
        rx.text(tool["description"], size="1", color_scheme="gray", trim="both"),
        padding="0.5rem 0.75rem",
        border_radius="var(--radius-2)",
        background=rx.cond(chosen, "var(--accent-3)", "transparent"),
        _hover={"background": "var(--gray-3)"},
        cursor="pointer",
        on_click=McpState.choose_tool(tool["name"]),
        id="tool-" + tool["name"].to(str),
        width="100%",
    )


def tool_browser() -> rx.Component:
    return rx.cond(
        McpState.server_id != 0,
        rx.card(
            rx.vstack(
                rx.heading("Tools of " + McpState.server_name, size="4"),
                rx.cond(
                    McpState.tools.length() > 0,
                    rx.grid(
                        rx.scroll_area(
                            rx.vstack(rx.foreach(McpState.tools, _tool_item), spacing="1"),
                            max_height="32rem",
                        ),
                        rx.cond(
                            McpState.tool_name != "",
                            try_form(),
                            rx.text("Choose a tool to try it.", color_scheme="gray"),
                        ),
                        columns="minmax(14rem, 1fr) 2fr",
                        spacing="5",
                        width="100%",
                    ),
                    rx.text(
                        "This server offers no tools right now (is it running?).",
                        color_scheme="gray",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="tool-browser",
        ),
    )
