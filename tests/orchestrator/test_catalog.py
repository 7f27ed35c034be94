"""The catalog's quick argument check never accepts what the jsonschema validator refuses,
and takes part only for the simple schemas it understands."""

from __future__ import annotations

import itertools
import threading
import uuid
from typing import Any

import anyio
import mcp_types as types
import pytest

from vibe.orchestrator import catalog
from vibe.orchestrator.catalog import argument_checks, compile_validator, quick_check
from vibe.orchestrator.clients import ServerSpec
from vibe.orchestrator.health import Breaker, Health
from vibe.orchestrator.service import Orchestrator
from vibe.orchestrator.supervisor import ServerRuntime, Supervisor

SCHEMAS: list[dict[str, Any]] = [
    {"type": "object"},
    {
        "properties": {"text": {"title": "Text", "type": "string"}},
        "required": ["text"],
        "title": "echoArguments",
        "type": "object",
    },
    {
        "type": "object",
        "properties": {
            "n": {"type": "integer", "default": 1},
            "x": {"type": "number", "description": "a number"},
            "flag": {"type": "boolean"},
            "tags": {"type": "array"},
            "opts": {"type": "object"},
            "maybe": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
            "either": {"type": ["integer", "string"]},
            "anything": {"title": "Anything"},
        },
        "required": ["n"],
        "additionalProperties": False,
    },
]
VALUES: list[Any] = ["", "a", 0, 1, -3, 1.0, 2.5, True, False, None, [], [1], {}, {"a": 1}]
KEYS = ["text", "n", "x", "flag", "tags", "opts", "maybe", "either", "anything", "other"]


def argument_sets() -> list[dict[str, Any]]:
    sets: list[dict[str, Any]] = [{}]
    for key, value in itertools.product(KEYS, VALUES):
        sets.append({key: value})
        sets.append({"n": 1, "text": "t", key: value})
    return sets


@pytest.mark.parametrize("schema", SCHEMAS)
def test_quick_check_only_accepts_what_the_validator_accepts(schema: dict[str, Any]) -> None:
    quick = quick_check(schema)
    validator = compile_validator(schema)
    assert quick is not None and validator is not None
    accepted = 0
    for arguments in argument_sets():
        if quick(arguments):
            accepted += 1
            assert validator.is_valid(arguments), (schema, arguments)
    assert accepted  # it does take part


def test_quick_check_agrees_on_plain_calls() -> None:
    quick = quick_check(SCHEMAS[2])
    assert quick is not None
    assert quick({"n": 3, "x": 1.5, "maybe": None, "either": "s", "anything": [1]})
    assert not quick({"n": True})  # a bool is no integer
    assert not quick({"n": 1, "other": 1})  # additionalProperties: false
    assert not quick({"x": 1})  # n is required


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"s": {"type": "string", "minLength": 2}}},
        {"type": "object", "properties": {"s": {"enum": ["a"]}}},
        {"type": "object", "additionalProperties": {"type": "string"}},
        {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"},
        {"type": "object", "properties": {"s": {"$ref": "#/$defs/S"}}, "$defs": {"S": {}}},
        {"type": "object", "properties": {"s": {"type": "string", "format": "email"}}},
        {"type": "array"},
    ],
)
def test_quick_check_leaves_other_schemas_to_the_validator(schema: dict[str, Any]) -> None:
    assert quick_check(schema) is None


def test_argument_checks_are_compiled_once_per_schema() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    validator, quick = argument_checks(schema)
    assert argument_checks({**schema}) == (validator, quick)  # an equal schema: the same checks
    schema["required"] = []  # a tool's schema changing later leaves the compiled checks alone
    assert not validator.is_valid({}) and quick is not None and not quick({})
    assert argument_checks(None)[0].is_valid({"anything": 1})


def test_a_new_tool_list_is_compiled_off_the_loop_before_catalogs_are_rebuilt(monkeypatch) -> None:
    compiled_on: list[int] = []

    def recording(schema: dict[str, Any] | None) -> Any:
        compiled_on.append(threading.get_ident())
        return compile_validator(schema)

    monkeypatch.setattr(catalog, "compile_validator", recording)
    fresh = uuid.uuid4().hex  # schemas no earlier test compiled
    tools = [
        types.Tool(name=f"t{i}", input_schema={"type": "object", "properties": {f"{fresh}{i}": {}}})
        for i in range(5)
    ]

    async def main() -> None:
        runtime = ServerRuntime(ServerSpec(id=1, name="wide"), Health(breaker=Breaker()))
        runtime.tools = tools
        orchestrator = Orchestrator(Supervisor())
        await orchestrator._changed(runtime)  # what the supervisor runs when the list arrives
        assert len(compiled_on) == 5 and threading.get_ident() not in compiled_on
        compiled_on.clear()
        runtime.connection = object()  # type: ignore[assignment]  # connected, so listed
        built = catalog.build_catalog([runtime])
        assert set(built.entries) == {f"wide__t{i}" for i in range(5)}
        assert compiled_on == []  # the build on the loop found every check compiled

    anyio.run(main)
