"""Turning JavaScript/TypeScript syntax nodes into evaluable expressions and type names."""

from __future__ import annotations

from tree_sitter import Node as TSNode

from vibe.graph.engine.model import Expr
from vibe.graph.engine.pyexpr import text

PASS_THROUGH = frozenset(
    {
        "parenthesized_expression",
        "await_expression",
        "non_null_expression",
        "as_expression",
        "satisfies_expression",
        "type_assertion",
    }
)
NULLISH_TYPES = frozenset({"null", "undefined", "literal_type"})
MAX_DOC = 2000


def jsexpr(node: TSNode | None) -> Expr:
    """The evaluable shape of a JS/TS expression, or None when the resolver cannot follow it."""
    if node is None:
        return None
    kind = node.type
    if kind in ("identifier", "this", "super"):
        return ("name", text(node))
    if kind == "member_expression":
        base = jsexpr(node.child_by_field_name("object"))
        prop = node.child_by_field_name("property")
        return ("attr", base, text(prop)) if base and prop is not None else None
    if kind == "call_expression":
        func = jsexpr(node.child_by_field_name("function"))
        return ("call", func) if func else None
    if kind == "new_expression":
        func = jsexpr(node.child_by_field_name("constructor"))
        return ("call", func) if func else None
    if kind in PASS_THROUGH and node.named_children:
        return jsexpr(node.named_children[0])
    if kind in ("arrow_function", "function_expression", "function"):
        return ("lambda",)
    return None


def type_expr(node: TSNode | None) -> Expr:
    """The class a TS type annotation names: `Repo`, `ns.Repo`, `Repo | null`."""
    if node is None:
        return None
    kind = node.type
    if kind == "type_annotation" and node.named_children:
        return type_expr(node.named_children[0])
    if kind in ("type_identifier", "identifier"):
        return ("name", text(node))
    if kind == "nested_type_identifier":
        parts = text(node).split(".")
        result: Expr = ("name", parts[0])
        for part in parts[1:]:
            result = ("attr", result, part)
        return result
    if kind == "union_type":
        real = [c for c in node.named_children if c.type not in NULLISH_TYPES]
        return type_expr(real[0]) if len(real) == 1 else None
    if kind == "parenthesized_type" and node.named_children:
        return type_expr(node.named_children[0])
    return None


def string_value(node: TSNode | None) -> str:
    """The value of a string literal node (module specifiers never need escapes)."""
    if node is None:
        return ""
    fragments = [text(c) for c in node.named_children if c.type == "string_fragment"]
    return "".join(fragments)


def jsdoc_before(node: TSNode) -> str:
    """The `/** ... */` comment right before a declaration (or its `export`), as plain text."""
    target = (
        node.parent if node.parent is not None and node.parent.type == "export_statement" else node
    )
    prev = target.prev_sibling
    if prev is None or prev.type != "comment":
        return ""
    raw = text(prev)
    if not raw.startswith("/**"):
        return ""
    lines = [line.strip().lstrip("*").strip() for line in raw[3:-2].splitlines()]
    return "\n".join(line for line in lines if line).strip()[:MAX_DOC]
