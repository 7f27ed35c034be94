"""Turning Python syntax nodes into small evaluable expressions, annotations and docstrings."""

from __future__ import annotations

import inspect

from tree_sitter import Node as TSNode

from vibe.graph.engine.model import Expr

MAX_DOCSTRING = 2000
STRING_PREFIX_CHARS = "rRbBuUfF"


def text(node: TSNode | None, limit: int = 0, strings: dict[str, str] | None = None) -> str:
    """Source text of a node (optionally cut to `limit` bytes), decoded leniently.

    With `strings`, equal texts come back as one shared object (a file's table of strings)."""
    if node is None:
        return ""
    raw = node.text or b""
    value = (raw[:limit] if limit else raw).decode("utf-8", "replace")
    return value if strings is None else strings.setdefault(value, value)


def expr(node: TSNode | None, strings: dict[str, str] | None = None) -> Expr:
    """The evaluable shape of an expression, or None when the resolver cannot follow it."""
    if node is None:
        return None
    kind = node.type
    if kind == "identifier":
        return ("name", text(node, 0, strings))
    if kind == "attribute":
        base = expr(node.child_by_field_name("object"), strings)
        attr = text(node.child_by_field_name("attribute"), 0, strings)
        return ("attr", base, attr) if base else None
    if kind == "call":
        func = expr(node.child_by_field_name("function"), strings)
        return ("call", func) if func else None
    if kind in ("parenthesized_expression", "await") and node.named_children:
        return expr(node.named_children[0], strings)
    if kind == "lambda":
        return ("lambda",)
    return None


def annotation(node: TSNode | None, strings: dict[str, str] | None = None) -> Expr:
    """The class an annotation names: `Repo`, `"Repo"`, `Optional[Repo]`, `Repo | None`."""
    if node is None:
        return None
    kind = node.type
    if kind == "type" and node.named_children:
        return annotation(node.named_children[0], strings)
    if kind in ("identifier", "attribute"):
        return expr(node, strings)
    if kind == "string":
        return _dotted(_string_value(text(node)).strip())
    if kind == "subscript" or kind == "generic_type":
        return _optional_inner(node, strings)
    if kind == "binary_operator":
        sides = [node.child_by_field_name("left"), node.child_by_field_name("right")]
        real = [side for side in sides if side is not None and side.type != "none"]
        return annotation(real[0], strings) if len(real) == 1 else None
    return None


def _optional_inner(node: TSNode, strings: dict[str, str] | None) -> Expr:
    head = node.named_children[0] if node.named_children else None
    if head is None or text(head).rsplit(".", 1)[-1] != "Optional":
        return None
    args = node.named_children[1:]
    if len(args) == 1 and args[0].type == "type_parameter" and args[0].named_children:
        return annotation(args[0].named_children[0], strings)
    return annotation(args[0], strings) if len(args) == 1 else None


def _dotted(value: str) -> Expr:
    parts = value.split(".")
    if not value or not all(part.isidentifier() for part in parts):
        return None
    result: Expr = ("name", parts[0])
    for part in parts[1:]:
        result = ("attr", result, part)
    return result


def _string_value(raw: str) -> str:
    body = raw.lstrip(STRING_PREFIX_CHARS)
    for quote in ('"""', "'''", '"', "'"):
        if body.startswith(quote) and body.endswith(quote) and len(body) >= 2 * len(quote):
            return body[len(quote) : -len(quote)]
    return body


def docstring_of(body: TSNode) -> str:
    """The docstring of a module or block: its first statement when that is a string."""
    # named_child(0), not named_children[0]: a body's full child list is one node per statement.
    first = body.named_child(0) if body.named_child_count else None
    if first is None or first.type != "expression_statement" or not first.named_child_count:
        return ""
    value = first.named_child(0)
    if value is None or value.type != "string":
        return ""
    return inspect.cleandoc(_string_value(text(value)))[:MAX_DOCSTRING]
