"""The tool browser's form: fields drawn from input schemas and read back as arguments."""

from __future__ import annotations

import pytest

from vibe.orchestrator.state import form_arguments, schema_fields

SCHEMA = {
    "type": "object",
    "required": ["path", "count"],
    "properties": {
        "path": {"type": "string", "description": "Where"},
        "count": {"type": "integer", "default": 3},
        "ratio": {"type": "number"},
        "deep": {"type": "boolean", "default": False},
        "mode": {"enum": ["fast", "slow"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "version": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "options": {"type": "object"},
    },
}


def test_fields_follow_the_schema():
    fields = {f["name"]: f for f in schema_fields(SCHEMA)}
    kinds = {name: f["kind"] for name, f in fields.items()}
    assert kinds == {
        "path": "string",
        "count": "integer",
        "ratio": "number",
        "deep": "boolean",
        "mode": "enum",
        "tags": "strings",
        "version": "string",
        "options": "json",
    }
    assert fields["path"]["required"] and fields["path"]["label"] == "path *"
    assert fields["count"]["default"] == "3" and fields["mode"]["options"] == ["fast", "slow"]


def test_form_values_become_typed_arguments():
    fields = schema_fields(SCHEMA)
    form = {"path": " a.py ", "count": "7", "ratio": "0.5", "deep": "on", "mode": "slow",
            "tags": "x\n\ny\n", "version": "", "options": '{"k": 1}'}  # fmt: skip
    assert form_arguments(fields, form) == {
        "path": "a.py",
        "count": 7,
        "ratio": 0.5,
        "deep": True,
        "mode": "slow",
        "tags": ["x", "y"],
        "options": {"k": 1},
    }


def test_a_bad_value_names_its_field():
    with pytest.raises(ValueError, match="count: not a valid integer"):
        form_arguments(schema_fields(SCHEMA), {"path": "a", "count": "many"})
