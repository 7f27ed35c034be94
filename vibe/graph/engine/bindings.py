"""Evaluating one binding of a name: definitions, imports, assignments, parameters, self."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vibe.graph.engine.model import Binding
from vibe.graph.engine.modules import js_import, python_from, python_import

if TYPE_CHECKING:
    from vibe.graph.engine.resolve import Resolver, Result

ASSIGN_CONFIDENCE = 0.85


def evaluate_binding(r: Resolver, binding: Binding, path: str, scope: int) -> Result | None:
    """The value a binding gives its name, or None when it cannot be known statically."""
    kind = binding[0]
    if kind == "def":
        return ("def", path, binding[2]), 1.0, "local"
    if kind == "import":
        return python_import(r, path, binding[1], binding[2])
    if kind == "from":
        return python_from(r, path, binding[1], binding[2], binding[3])
    if kind == "jsimport":
        return js_import(r, path, binding[1], binding[2])
    if kind == "assign":
        found = r.eval(binding[1], path, scope)
        if found is None:
            return None
        return found[0], min(found[1], ASSIGN_CONFIDENCE), "assign"
    if kind == "ann":
        return r.instance_of(r.eval(binding[1], path, scope))
    if kind == "param":
        if binding[1] is None:
            return None
        defining = r.scope(path, scope).parent
        return r.instance_of(r.eval(binding[1], path, max(defining, 0)))
    return _implicit(kind, path, binding)


def _implicit(kind: str, path: str, binding: Binding) -> Result | None:
    if kind == "self":
        return ("inst", path, binding[1]), 0.95, "self"
    if kind == "cls":
        return ("def", path, binding[1]), 0.95, "self"
    if kind == "super":
        return ("super", path, binding[1]), 0.9, "super"
    return None
