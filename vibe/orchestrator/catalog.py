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

import functools
import json
from collections.abc import Callable
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


QuickCheck = Callable[[dict[str, Any]], bool]


@dataclass
class ToolEntry:
    """One exposed tool: where it lives, what clients see, and how to check its arguments."""

    runtime: ServerRuntime
    tool: types.Tool
    public: types.Tool
    validator: Any
    needs_confirmation: bool = False
    # A cheap "certainly valid" test for simple schemas (see quick_check); None: always validate.
    quick: QuickCheck | None = None


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
    validator, quick = argument_checks(tool.input_schema)
    return ToolEntry(runtime, tool, public, validator, confirm, quick)


def argument_checks(schema: dict[str, Any] | None) -> tuple[Any, QuickCheck | None]:
    """The compiled validator and quick check of ``schema``, shared by every catalog with a tool
    of that schema: compiling costs about 1.5 ms a tool, and every catalog (one per set of
    visible servers) is rebuilt after each change to any server."""
    return _argument_checks(json.dumps(schema, sort_keys=True, default=str))


def prepare(tools: list[types.Tool]) -> None:
    """Compile the argument checks of a server's tools as its tool list arrives, in a worker
    thread (the caller's): the next catalog build, on the event loop, then finds them compiled.
    At about 1.5 ms a tool, a server with a hundred tools would otherwise stall every request
    in flight for 150 ms at that build; in a thread, the loop keeps getting the interpreter
    between schemas."""
    for tool in tools:
        argument_checks(tool.input_schema)


@functools.lru_cache(maxsize=2048)
def _argument_checks(schema_json: str) -> tuple[Any, QuickCheck | None]:
    schema = json.loads(schema_json)  # the checks' own copy: a tool's schema may change later
    validator = compile_validator(schema)
    return validator, quick_check(schema) if validator is not None else None


def compile_validator(schema: dict[str, Any] | None) -> Any:
    """A reusable validator for ``schema``; None when the server's schema is itself broken."""
    schema = schema or {"type": "object"}
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError:
        return None  # let the server judge
    return cls(schema)


# What each JSON Schema type accepts, narrowed to what is certainly that type for jsonschema
# (an integral float is an "integer" to it too: such values take the full validator instead).
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
_ANNOTATIONS = frozenset({"title", "description", "default", "examples"})
_TOP_KEYS = frozenset({"type", "properties", "required", "additionalProperties"}) | _ANNOTATIONS


def quick_check(schema: dict[str, Any] | None) -> QuickCheck | None:
    """For the schemas most tools have (an object of plainly typed properties, some required),
    a test that says True only when the jsonschema validator would accept the arguments too;
    it costs a fraction of that validator. False means "not certain": the validator decides
    (and words the problems). None when the schema uses anything else."""
    schema = schema or {"type": "object"}
    if not isinstance(schema, dict) or not schema.keys() <= _TOP_KEYS:
        return None
    if schema.get("type", "object") != "object":
        return None
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    extra = schema.get("additionalProperties", True)
    if not isinstance(properties, dict) or not isinstance(extra, bool):
        return None
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        return None
    checks: dict[str, Callable[[Any], bool] | None] = {}
    for name, sub in properties.items():
        if not isinstance(sub, dict):
            return None
        accepts = _type_check(sub)
        if accepts is False:
            return None
        checks[name] = accepts
    needed = tuple(required)

    def certainly_valid(arguments: dict[str, Any]) -> bool:
        for name in needed:
            if name not in arguments:
                return False
        for name, value in arguments.items():
            if name not in checks:
                if not extra:
                    return False
                continue
            accepts = checks[name]
            if accepts is not None and not accepts(value):
                return False
        return True

    return certainly_valid


def _type_check(schema: dict[str, Any]) -> Callable[[Any], bool] | bool | None:
    """A property's test: None when it accepts anything, False when it is not a simple one."""
    keys = schema.keys() - _ANNOTATIONS
    if not keys:
        return None
    if keys == {"type"}:
        kinds = schema["type"]
    elif keys == {"anyOf"} and isinstance(schema["anyOf"], list) and schema["anyOf"]:
        options = schema["anyOf"]
        if not all(isinstance(o, dict) and o.keys() == {"type"} for o in options):
            return False
        kinds = [o["type"] for o in options]
    else:
        return False
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if not isinstance(kinds, list) or not kinds or not all(k in _TYPES for k in kinds):
        return False
    tests = tuple(_TYPES[k] for k in kinds)
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def argument_problems(entry: ToolEntry, arguments: dict[str, Any]) -> str:
    """Problems with ``arguments`` against the tool's input schema ("" when fine)."""
    validator = entry.validator
    if validator is None or (entry.quick is not None and entry.quick(arguments)):
        return ""
    if validator.is_valid(arguments):
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
