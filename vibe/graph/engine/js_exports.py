"""What a JS/TS module exports, recorded as bindings the resolver evaluates in module scope."""

from __future__ import annotations

from tree_sitter import Node as TSNode

from vibe.graph.engine.jsexpr import jsexpr, string_value
from vibe.graph.engine.model import FileResult, ImportFact
from vibe.graph.engine.pyexpr import text

DECLARATIONS_WITH_NAME = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "class_declaration",
        "abstract_class_declaration",
        "class",
        "function_expression",
    }
)


def record_export(result: FileResult, node: TSNode) -> None:
    """Record one `export` statement: declarations, defaults, lists and re-exports."""
    source = node.child_by_field_name("source")
    if source is not None:
        _re_export(result, node, string_value(source))
        return
    is_default = any(child.type == "default" for child in node.children)
    declaration = node.child_by_field_name("declaration")
    if declaration is not None:
        for name in _declared_names(declaration):
            result.exports["default" if is_default else name] = ("assign", ("name", name))
        return
    value = node.child_by_field_name("value")
    if is_default and value is not None:
        result.exports["default"] = ("assign", jsexpr(value))
        return
    for clause in node.named_children:
        if clause.type == "export_clause":
            for spec in clause.named_children:
                name = text(spec.child_by_field_name("name"))
                alias = spec.child_by_field_name("alias")
                result.exports[text(alias) if alias else name] = ("assign", ("name", name))


def _re_export(result: FileResult, node: TSNode, spec: str) -> None:
    names: list[str] = []
    clause = next((c for c in node.named_children if c.type == "export_clause"), None)
    namespace = next((c for c in node.named_children if c.type == "namespace_export"), None)
    if clause is not None:
        for item in clause.named_children:
            name = text(item.child_by_field_name("name"))
            alias = item.child_by_field_name("alias")
            result.exports[text(alias) if alias else name] = ("jsimport", spec, name)
            names.append(name)
    elif namespace is not None and namespace.named_children:
        result.exports[text(namespace.named_children[0])] = ("jsimport", spec, "*")
    else:
        result.star_exports.append(spec)
    result.imports.append(ImportFact(spec, 0, tuple(names), node.start_point.row + 1))


def _declared_names(declaration: TSNode) -> list[str]:
    if declaration.type in DECLARATIONS_WITH_NAME:
        name = declaration.child_by_field_name("name")
        return [text(name)] if name is not None else []
    if declaration.type in ("lexical_declaration", "variable_declaration"):
        names = []
        for declarator in declaration.named_children:
            name = declarator.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                names.append(text(name))
        return names
    return []
