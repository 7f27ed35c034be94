"""JavaScript / TypeScript / TSX extraction into the same facts the Python extractor produces.

Scopes are functions, classes and the module (block scopes are folded into their function, a
deliberate simplification). Imports bind ("jsimport", specifier, name); exports are recorded as
bindings evaluated in the module scope so the resolver follows re-exports like Python imports.
"""

from __future__ import annotations

from tree_sitter import Node as TSNode

from vibe.graph.engine.js_exports import record_export
from vibe.graph.engine.jsexpr import jsdoc_before, jsexpr, string_value, type_expr
from vibe.graph.engine.model import Binding, Definition, FileResult, ImportFact, Scope
from vibe.graph.engine.parse import captures
from vibe.graph.engine.pyexpr import text

COMMON_QUERY = """
(function_declaration) @function
(generator_function_declaration) @function
(class_declaration) @class
(class) @class
(method_definition) @method
(arrow_function) @arrow
(function_expression) @arrow
(import_statement) @import
(export_statement) @export
(variable_declarator) @declarator
(call_expression) @call
(new_expression) @new
(assignment_expression) @assign
(return_statement) @return
(for_in_statement left: (_) @unknown)
(arguments [(identifier) (member_expression)] @ref)
(array [(identifier) (member_expression)] @ref)
(pair value: [(identifier) (member_expression)] @ref)
"""
QUERIES = {
    "javascript": COMMON_QUERY + "(field_definition) @field\n",
    "typescript": COMMON_QUERY
    + "(public_field_definition) @field\n(abstract_class_declaration) @class\n",
}
QUERIES["tsx"] = QUERIES["typescript"]
FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "function", "class"})
MAX_TEXT = 200
MAX_SIGNATURE = 300


def extract_js(result: FileResult, root: TSNode) -> None:
    """Fill `result` with the definitions, scopes and use sites of a JS/TS module tree."""
    _JSExtractor(result).run(root)


class _JSExtractor:
    def __init__(self, result: FileResult) -> None:
        self.result = result
        self.scopes = result.scopes
        self.scopes.append(Scope(result.module, "module", -1))

    def run(self, root: TSNode) -> None:
        # Byte offsets count from the file's start, but the root node starts at the first token:
        # pad back the leading whitespace/comments it skips so slices line up.
        self.source = b" " * root.start_byte + (root.text or b"")
        query = QUERIES[self.result.language]
        items = [
            (node.start_byte, -node.end_byte, name, node)
            for name, nodes in captures(self.result.language, query, root).items()
            for node in nodes
        ]
        items.sort(key=lambda item: (item[0], item[1]))
        stack: list[tuple[int, int]] = [(root.end_byte, 0)]
        for start, _, name, node in items:
            while start >= stack[-1][0] and len(stack) > 1:
                stack.pop()
            opened = getattr(self, "on_" + name)(node, stack[-1][1])
            if opened is not None:
                stack.append((node.end_byte, opened))

    def _open(self, node: TSNode, scope: int, name: str, kind: str, def_kind: str) -> int:
        parent = self.scopes[scope]
        qname = f"{parent.qname}.{name}" if parent.qname else name
        index = len(self.scopes)
        new = Scope(qname, kind, scope)
        self.scopes.append(new)
        if def_kind != "method":
            parent.bind(name, ("def", qname, index))
        body = node.child_by_field_name("body")
        end = body.start_byte if body is not None else node.end_byte
        head = self.source[node.start_byte : min(end, node.start_byte + 4 * MAX_SIGNATURE)]
        signature = " ".join(head.decode("utf-8", "replace").split())[:MAX_SIGNATURE]
        self.result.defs.append(
            Definition(
                qname,
                def_kind,
                name,
                node.start_point.row + 1,
                node.end_point.row + 1,
                signature,
                jsdoc_before(node),
                index,
            )
        )
        if kind == "function":
            new.return_ann = type_expr(node.child_by_field_name("return_type"))
            self._bind_params(new, node.child_by_field_name("parameters"), index)
        return index

    def _bind_params(self, scope: Scope, params: TSNode | None, index: int) -> None:
        if params is None:
            return
        for position, param in enumerate(params.named_children):
            pattern = param.child_by_field_name("pattern") or param
            if pattern.type != "identifier":
                continue
            ann = type_expr(param.child_by_field_name("type"))
            scope.bind(text(pattern), ("param", ann, position))
            has_modifier = any(c.type == "accessibility_modifier" for c in param.named_children)
            if has_modifier and scope.parent >= 0:
                owner = self.scopes[scope.parent]
                owner.self_attrs.setdefault(text(pattern), []).append((("ann", ann), index))

    def on_function(self, node: TSNode, scope: int) -> int | None:
        name = node.child_by_field_name("name")
        return self._open(node, scope, text(name), "function", "function") if name else None

    def on_class(self, node: TSNode, scope: int) -> int | None:
        name = node.child_by_field_name("name") or _declared_name(node)
        if name is None:
            return None
        index = self._open(node, scope, text(name), "class", "class")
        for heritage in node.named_children:
            if heritage.type == "class_heritage":
                self.scopes[index].bases = _extends(heritage)
        return index

    def on_method(self, node: TSNode, scope: int) -> int | None:
        if self.scopes[scope].kind != "class":
            return None
        name = text(node.child_by_field_name("name"))
        index = self._open(node, scope, name, "function", "method")
        self.scopes[scope].bind(name, ("def", self.scopes[index].qname, index))
        self.scopes[index].bindings["this"] = [("self", scope)]
        self.scopes[index].bindings["super"] = [("super", scope)]
        return index

    def on_arrow(self, node: TSNode, scope: int) -> int | None:
        name = _declared_name(node)
        if name is None or self.scopes[scope].kind == "class":
            return None
        return self._open(node, scope, text(name), "function", "function")

    def on_field(self, node: TSNode, scope: int) -> None:
        name = node.child_by_field_name("name") or node.child_by_field_name("property")
        if name is None or self.scopes[scope].kind != "class":
            return
        value = node.child_by_field_name("value")
        ann = type_expr(node.child_by_field_name("type"))
        binding: Binding = ("ann", ann) if ann is not None else ("assign", jsexpr(value))
        self.scopes[scope].self_attrs.setdefault(text(name), []).append((binding, scope))

    def on_import(self, node: TSNode, scope: int) -> None:
        spec = string_value(node.child_by_field_name("source"))
        names: list[str] = []
        for clause in node.named_children:
            if clause.type == "import_clause":
                names.extend(self._import_clause(clause, spec, scope))
        self.result.imports.append(ImportFact(spec, 0, tuple(names), node.start_point.row + 1))

    def _import_clause(self, clause: TSNode, spec: str, scope: int) -> list[str]:
        target = self.scopes[scope]
        names: list[str] = []
        for part in clause.named_children:
            if part.type == "identifier":
                target.bind(text(part), ("jsimport", spec, "default"))
                names.append("default")
            elif part.type == "namespace_import" and part.named_children:
                target.bind(text(part.named_children[0]), ("jsimport", spec, "*"))
            elif part.type == "named_imports":
                for item in part.named_children:
                    name = text(item.child_by_field_name("name"))
                    alias = item.child_by_field_name("alias")
                    target.bind(text(alias) if alias else name, ("jsimport", spec, name))
                    names.append(name)
        return names

    def on_export(self, node: TSNode, scope: int) -> None:
        record_export(self.result, node)

    def on_declarator(self, node: TSNode, scope: int) -> None:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is None:
            return
        if value is not None and value.type in FUNCTION_VALUES:
            return
        required = _required_spec(value)
        target = self.scopes[scope]
        if name.type == "identifier":
            binding: Binding = (
                ("jsimport", required, "*") if required else ("assign", jsexpr(value))
            )
            target.bind(text(name), binding)
        else:
            for part in _pattern_names(name):
                target.bind(part, ("jsimport", required, part) if required else ("unknown",))
        if required:
            self.result.imports.append(ImportFact(required, 0, (), node.start_point.row + 1))
        if value is not None and value.type in ("identifier", "member_expression"):
            self._ref("ref", scope, value)

    def on_call(self, node: TSNode, scope: int) -> None:
        self._ref("call", scope, node.child_by_field_name("function"))

    def on_new(self, node: TSNode, scope: int) -> None:
        self._ref("new", scope, node.child_by_field_name("constructor"))

    def on_assign(self, node: TSNode, scope: int) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None:
            return
        if left.type == "identifier":
            self.scopes[scope].bind(text(left), ("assign", jsexpr(right)))
        elif left.type == "member_expression":
            self._member_assign(left, right, scope)
        if right is not None and right.type in ("identifier", "member_expression"):
            self._ref("ref", scope, right)

    def _member_assign(self, left: TSNode, right: TSNode | None, scope: int) -> None:
        obj = left.child_by_field_name("object")
        prop = text(left.child_by_field_name("property"))
        if obj is not None and obj.type == "this":
            owner = self._class_of(scope)
            if owner is not None:
                owner.self_attrs.setdefault(prop, []).append((("assign", jsexpr(right)), scope))
        elif obj is not None and text(obj) == "module" and prop == "exports" and right is not None:
            self.result.exports["default"] = ("assign", jsexpr(right))

    def _class_of(self, scope: int) -> Scope | None:
        while scope >= 0:
            current = self.scopes[scope]
            if current.kind == "class":
                return current
            scope = current.parent
        return None

    def on_return(self, node: TSNode, scope: int) -> None:
        if self.scopes[scope].kind != "function" or not node.named_children:
            return
        value = node.named_children[0]
        self.scopes[scope].returns.append(jsexpr(value))
        if value.type in ("identifier", "member_expression"):
            self._ref("ref", scope, value)

    def on_unknown(self, node: TSNode, scope: int) -> None:
        for name in _pattern_names(node):
            self.scopes[scope].bind(name, ("unknown",))

    def on_ref(self, node: TSNode, scope: int) -> None:
        self._ref("ref", scope, node)

    def _ref(self, kind: str, scope: int, node: TSNode | None) -> None:
        parsed = jsexpr(node)
        if parsed is not None and node is not None:
            line = node.start_point.row + 1
            self.result.refs.append((kind, scope, parsed, line, text(node, MAX_TEXT)))


def _declared_name(node: TSNode) -> TSNode | None:
    parent = node.parent
    if parent is not None and parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
        return name if name is not None and name.type == "identifier" else None
    return None


def _extends(heritage: TSNode) -> list:
    clause = next((c for c in heritage.named_children if c.type == "extends_clause"), None)
    if clause is not None:
        return [jsexpr(clause.child_by_field_name("value"))]
    return [jsexpr(c) for c in heritage.named_children[:1]]


def _required_spec(value: TSNode | None) -> str:
    if value is None or value.type != "call_expression":
        return ""
    func = value.child_by_field_name("function")
    args = value.child_by_field_name("arguments")
    if func is None or text(func) != "require" or args is None or not args.named_children:
        return ""
    first = args.named_children[0]
    return string_value(first) if first.type == "string" else ""


def _pattern_names(node: TSNode) -> list[str]:
    if node.type in ("identifier", "shorthand_property_identifier_pattern"):
        return [text(node)]
    names: list[str] = []
    for child in node.named_children:
        if child.type == "pair_pattern":
            value = child.child_by_field_name("value")
            names.extend(_pattern_names(value) if value is not None else [])
        else:
            names.extend(_pattern_names(child))
    return names
