"""The namespaced view of what the available servers offer, with each server's flags applied.

Built once per change (not per call): every exposed tool carries its compiled argument validator
and the description and schema clients see. A server's flags decide what is exposed:

- ``allowed_tools`` / ``denied_tools``: deny wins; an empty allow list allows all the rest.
- ``read_only``: only tools annotated ``readOnlyHint`` (and not ``destructiveHint``) are offered.
- ``confirm_mutations``: every other tool needs the extra argument ``vibe_confirm: true``; a call
  without it is refused with an error that says so. Generic MCP clients need nothing special:
  the argument is in the published schema and the description, and the model reads the error.

Tools a flag hides stay in ``refused`` with the reason, so a call by name gets a clear answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jsonschema
import mcp_types as types

from vibe.orchestrator import router
from vibe.orchestrator.supervisor import ServerRuntime

CONFIRM_ARG = "vibe_confirm"
CONFIRM_NOTE = (
    "Changes state: only call it after the user approved this exact call, and then pass "
    f'"{CONFIRM_ARG}": true with the arguments (without it the call is refused).'
)
CONFIRM_SCHEMA = {
    "type": "boolean",
    "description": "Set to true once the user has approved this call (required by Vibe).",
}


@dataclass
class ToolEntry:
    """One exposed tool: where it lives, what clients see, and how to check its arguments."""

    runtime: ServerRuntime
    tool: types.Tool
    public: types.Tool
    validator: Any
    needs_confirmation: bool = False


@dataclass
class Catalog:
    """The namespaced view of what a set of servers offers right now."""

    tools: dict[str, tuple[ServerRuntime, types.Tool]] = field(default_factory=dict)
    prompts: dict[str, tuple[ServerRuntime, types.Prompt]] = field(default_factory=dict)
    resources: dict[str, tuple[ServerRuntime, types.Resource]] = field(default_factory=dict)
    entries: dict[str, ToolEntry] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    runtimes: list[ServerRuntime] = field(default_factory=list)

    def stale(self) -> bool:
        """True once a server in it went away or behind an open breaker."""
        return any(not runtime.available for runtime in self.runtimes)


def is_read_only(tool: types.Tool) -> bool:
    """Annotated read-only and not destructive (annotations are hints, but all we have)."""
    hints = tool.annotations
    return bool(hints and hints.read_only_hint and not hints.destructive_hint)


def refusal(spec: Any, tool: types.Tool) -> str:
    """Why the server's flags keep ``tool`` from callers ("" when they do not)."""
    if not router.tool_allowed(spec.allowed_tools, spec.denied_tools, tool.name):
        return f"tool '{tool.name}' is not allowed on server '{spec.name}' (allow/deny lists)"
    if spec.read_only and not is_read_only(tool):
        return (
            f"server '{spec.name}' is read-only and tool '{tool.name}' is not annotated "
            "read-only (or is annotated destructive)"
        )
    return ""


def build_catalog(runtimes: list[ServerRuntime]) -> Catalog:
    """Namespaced tools, prompts and resources of the available servers."""
    live = [r for r in runtimes if r.available]
    catalog = Catalog(runtimes=live)
    by_name = {r.spec.name: r for r in live}
    tool_index = {(r.spec.name, t.name): t for r in live for t in r.tools}
    for exposed, (server, name) in router.build_names(tool_index).items():
        runtime, tool = by_name[server], tool_index[(server, name)]
        reason = refusal(runtime.spec, tool)
        if reason:
            catalog.refused[exposed] = reason
            continue
        catalog.entries[exposed] = entry(exposed, runtime, tool)
        catalog.tools[exposed] = (runtime, tool)
    prompt_index = {(r.spec.name, p.name): p for r in live for p in r.prompts}
    for exposed, (server, name) in router.build_names(prompt_index).items():
        catalog.prompts[exposed] = (by_name[server], prompt_index[(server, name)])
    for runtime in live:
        for resource in runtime.resources:
            uri = router.resource_uri(runtime.spec.name, str(resource.uri))
            catalog.resources[uri] = (runtime, resource)
    return catalog


def entry(exposed: str, runtime: ServerRuntime, tool: types.Tool) -> ToolEntry:
    confirm = runtime.spec.confirm_mutations and not is_read_only(tool)
    description = f"[{runtime.spec.name}] {tool.description or ''}".strip()
    schema = dict(tool.input_schema or {"type": "object"})
    if confirm:
        description = f"{description}\n\n{CONFIRM_NOTE}"
        schema["properties"] = {**schema.get("properties", {}), CONFIRM_ARG: CONFIRM_SCHEMA}
    public = types.Tool(
        name=exposed,
        title=tool.title,
        description=description,
        input_schema=schema,
        output_schema=tool.output_schema,
        annotations=tool.annotations,
    )
    return ToolEntry(runtime, tool, public, compile_validator(tool.input_schema), confirm)


def compile_validator(schema: dict[str, Any] | None) -> Any:
    """A reusable validator for ``schema``; None when the server's schema is itself broken."""
    schema = schema or {"type": "object"}
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError:
        return None  # let the server judge
    return cls(schema)


def argument_problems(entry: ToolEntry, arguments: dict[str, Any]) -> str:
    """Problems with ``arguments`` against the tool's input schema ("" when fine)."""
    validator = entry.validator
    if validator is None or validator.is_valid(arguments):
        return ""
    errors = sorted(validator.iter_errors(arguments), key=lambda e: list(e.path))
    return "; ".join(
        f"{'.'.join(str(p) for p in e.path) or '(arguments)'}: {e.message}" for e in errors[:5]
    )


def take_confirmation(entry: ToolEntry, name: str, arguments: dict[str, Any]) -> str:
    """Take ``vibe_confirm`` out of ``arguments``; the refusal text when it was needed, absent."""
    confirmed = arguments.pop(CONFIRM_ARG, None) is True
    if not entry.needs_confirmation or confirmed:
        return ""
    return (
        f"'{name}' changes state on server '{entry.runtime.spec.name}', which asks for "
        "confirmation. Ask the user to approve this call, then call it again with the same "
        f'arguments plus "{CONFIRM_ARG}": true.'
    )


def error_json(message: str) -> dict[str, Any]:
    """A tool error result in its wire form: how refusals reach the client."""
    return {"content": [{"type": "text", "text": message}], "isError": True}
