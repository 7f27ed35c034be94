"""Python extraction: definitions, scopes, bindings and use sites from one tree-sitter tree.

One query finds every node of interest; captures are then walked once in source order with a
stack of open scopes, so the Python-side cost is per interesting node, not per syntax node.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tree_sitter import Node as TSNode

from vibe.graph.engine.model import Binding, Definition, Expr, FileResult, ImportFact, Scope
from vibe.graph.engine.parse import captures
from vibe.graph.engine.pyexpr import annotation, docstring_of, expr, text

QUERY = """
(function_definition) @function
(class_definition) @class
(decorator) @decorator
(import_statement) @import
(import_from_statement) @import_from
(call function: (_) @call)
(assignment) @assign
(named_expression) @walrus
(return_statement) @return
(for_statement left: (_) @unknown)
(as_pattern_target) @unknown
(call arguments: (argument_list [(identifier) (attribute)] @ref))
(keyword_argument value: [(identifier) (attribute)] @ref)
(list [(identifier) (attribute)] @ref)
(pair value: [(identifier) (attribute)] @ref)
"""
HANDLED = ("function", "class", "decorator", "import", "import_from", "call", "assign", "walrus",
           "return", "unknown", "ref")  # fmt: skip
# A plain ASCII dotted name: its expression can be built from the text alone.
DOTTED = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
CONSTANTS = frozenset({"None", "True", "False"})
MAX_TEXT = 200
MAX_SIGNATURE = 300


def extract_python(result: FileResult, root: TSNode) -> None:
    """Fill `result` with the definitions, scopes and use sites of a Python module tree."""
    _Extractor(result).run(root)


class _Extractor:
    def __init__(self, result: FileResult) -> None:
        self.result = result
        self.scopes = result.scopes
        self.scopes.append(Scope(result.module, "module", -1))
        self.self_names: dict[int, str] = {}
        # Name expressions by source bytes: a file repeats the same few names, and one shared
        # tuple per name is smaller in memory and pickles once (and skips the regex).
        self.identifiers: dict[bytes, Expr] = {}
        self.dotted: dict[bytes, Expr] = {}
        # One object per distinct string of the file (names recur: `self` in every method, a
        # local in every use): pickling then sends each once and the index keeps one copy.
        self.strings: dict[str, str] = {}

    def run(self, root: TSNode) -> None:
        # Byte offsets count from the file's start, but the root node starts at the first token:
        # pad back the leading whitespace/comments it skips so slices line up.
        self.source = b" " * root.start_byte + (root.text or b"")
        self.result.docstring = docstring_of(root)
        handlers = {name: getattr(self, "on_" + name) for name in HANDLED}
        # A running index breaks (start, end) ties in capture order and keeps the sort in C.
        items: list[tuple[int, int, int, Callable[[TSNode, int], int | None], TSNode]] = []
        for name, nodes in captures("python", QUERY, root).items():
            handler, at = handlers[name], len(items)
            items += [(n.start_byte, -n.end_byte, at + i, handler, n) for i, n in enumerate(nodes)]
        items.sort()
        stack: list[tuple[int, int]] = [(root.end_byte, 0)]
        for start, _, _, handler, node in items:
            while start >= stack[-1][0] and len(stack) > 1:
                stack.pop()
            scope = stack[-1][1]
            opened = handler(node, scope)
            if opened is not None:
                stack.append((node.end_byte, opened))

    def text(self, node: TSNode | None, limit: int = 0) -> str:
        """Source text of a node sliced from the file's bytes (cheaper than `Node.text`)."""
        if node is None:
            return ""
        start, end = node.start_byte, node.end_byte
        if limit and end - start > limit:
            end = start + limit
        value = self.source[start:end].decode("utf-8", "replace")
        return self.strings.setdefault(value, value)

    def expr(self, node: TSNode | None) -> Expr:
        """`pyexpr.expr`, with plain dotted names read from the text instead of the subtree."""
        if node is None:
            return None
        kind = node.type
        if kind == "identifier":
            return self._identifier(self.source[node.start_byte : node.end_byte])
        if kind == "attribute":
            found = self._dotted(self.source[node.start_byte : node.end_byte])
            if found is not None:
                return found
        return expr(node, self.strings)

    def _identifier(self, raw: bytes) -> Expr:
        """`("name", text)` of an identifier's bytes, one shared tuple per name and file."""
        found = self.identifiers.get(raw)
        if found is None:
            name = raw.decode("utf-8", "replace")
            found = self.identifiers[raw] = ("name", self.strings.setdefault(name, name))
        return found

    def _dotted(self, raw: bytes) -> Expr:
        """The expression of a plain ASCII dotted name (`a.b.c`), or None for anything else."""
        if raw in self.dotted:
            return self.dotted[raw]
        found = self.dotted[raw] = _dotted(raw, self.strings)
        return found

    def _new_scope(self, node: TSNode, scope: int, kind: str, def_kind: str) -> tuple[int, str]:
        name = self.text(node.child_by_field_name("name"))
        parent = self.scopes[scope]
        qname = f"{parent.qname}.{name}" if parent.qname else name
        index = len(self.scopes)
        self.scopes.append(Scope(qname, kind, scope))
        parent.bind(name, ("def", qname, index))
        body = node.child_by_field_name("body")
        signature_end = body.start_byte if body is not None else node.end_byte
        head = self.source[
            node.start_byte : min(signature_end, node.start_byte + 4 * MAX_SIGNATURE)
        ]
        signature = head.decode("utf-8", "replace").rstrip().rstrip(":")
        self.result.defs.append(
            Definition(
                qname,
                def_kind,
                name,
                node.start_point.row + 1,
                node.end_point.row + 1,
                " ".join(signature.split())[:MAX_SIGNATURE],
                docstring_of(body) if body is not None else "",
                index,
            )
        )
        return index, qname

    def on_class(self, node: TSNode, scope: int) -> int:
        index, _ = self._new_scope(node, scope, "class", "class")
        bases = node.child_by_field_name("superclasses")
        if bases is not None:
            self.scopes[index].bases = [
                self.expr(arg) for arg in bases.named_children if arg.type != "keyword_argument"
            ]
        return index

    def on_function(self, node: TSNode, scope: int) -> int:
        in_class = self.scopes[scope].kind == "class"
        index, _ = self._new_scope(node, scope, "function", "method" if in_class else "function")
        new = self.scopes[index]
        parent = node.parent
        if parent is not None and parent.type == "decorated_definition":
            new.decorators = [
                self.text(d.named_children[0])
                for d in parent.named_children
                if d.type == "decorator"
            ]
        new.return_ann = annotation(node.child_by_field_name("return_type"), self.strings)
        params = node.child_by_field_name("parameters")
        names = self._bind_params(new, params) if params is not None else []
        if in_class and names and "staticmethod" not in new.decorators:
            self.self_names[index] = names[0]
            kind = "cls" if "classmethod" in new.decorators or names[0] == "cls" else "self"
            new.bindings[names[0]] = [(kind, scope)]
        return index

    def _bind_params(self, scope: Scope, params: TSNode) -> list[str]:
        names: list[str] = []
        for param in params.named_children:
            kind = param.type
            if kind == "identifier":
                name, ann = self.text(param), None
            elif kind in ("typed_parameter", "typed_default_parameter", "default_parameter"):
                name_node = param.child_by_field_name("name") or param.named_children[0]
                if name_node.type != "identifier":
                    name_node = name_node.named_children[0] if name_node.named_children else None
                if name_node is None:
                    continue
                name = self.text(name_node)
                ann = annotation(param.child_by_field_name("type"), self.strings)
            elif kind in ("list_splat_pattern", "dictionary_splat_pattern"):
                if param.named_children:
                    scope.bind(self.text(param.named_children[0]), ("unknown",))
                continue
            else:
                continue
            scope.bind(name, ("param", ann, len(names)))
            names.append(name)
        return names

    def on_decorator(self, node: TSNode, scope: int) -> None:
        target = node.named_children[0] if node.named_children else None
        if target is not None and target.type != "call":
            self._ref("decorator", scope, target)

    def on_import(self, node: TSNode, scope: int) -> None:
        line = node.start_point.row + 1
        for child in node.named_children:
            if child.type == "aliased_import":
                module = self.text(child.child_by_field_name("name"))
                alias = self.text(child.child_by_field_name("alias"))
                self.scopes[scope].bind(alias, ("import", module, 0))
            else:
                module = self.text(child)
                head = module.split(".", 1)[0]
                self.scopes[scope].bind(head, ("import", head, 0))
            self.result.imports.append(ImportFact(module, 0, (), line))

    def on_import_from(self, node: TSNode, scope: int) -> None:
        module, level = _module_ref(node.child_by_field_name("module_name"), self.strings)
        names: list[str] = []
        target = self.scopes[scope]
        if any(child.type == "wildcard_import" for child in node.named_children):
            target.star_imports.append((module, level))
        for child in node.children_by_field_name("name"):
            if child.type == "aliased_import":
                name = self.text(child.child_by_field_name("name"))
                target.bind(
                    self.text(child.child_by_field_name("alias")), ("from", module, level, name)
                )
                names.append(name)
            elif child.type == "dotted_name":
                name = self.text(child)
                target.bind(name, ("from", module, level, name))
                names.append(name)
        self.result.imports.append(
            ImportFact(module, level, tuple(names), node.start_point.row + 1)
        )

    def on_call(self, node: TSNode, scope: int) -> None:
        self._ref("call", scope, node)  # the query captures the callee, not the whole call

    def on_ref(self, node: TSNode, scope: int) -> None:
        self._ref("ref", scope, node)  # base classes are not refs: the query skips them

    def on_assign(self, node: TSNode, scope: int) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        ann = annotation(node.child_by_field_name("type"), self.strings)
        value: Binding = ("ann", ann) if ann is not None else ("assign", self.expr(right))
        if left is None:
            return
        if left.type == "identifier":
            self.scopes[scope].bind(self.text(left), value)
        elif left.type == "attribute":
            self._self_attr(left, scope, value)
        else:
            self.on_unknown(left, scope)
        if right is not None and right.type in ("identifier", "attribute"):
            self._ref("ref", scope, right)

    def on_walrus(self, node: TSNode, scope: int) -> None:
        name = node.child_by_field_name("name")
        if name is not None:
            self.scopes[scope].bind(
                self.text(name), ("assign", self.expr(node.child_by_field_name("value")))
            )

    def _self_attr(self, left: TSNode, scope: int, value: Binding) -> None:
        obj = left.child_by_field_name("object")
        self_name = self.self_names.get(scope)
        if (
            obj is None
            or self_name is None
            or obj.type != "identifier"
            or self.text(obj) != self_name
        ):
            return
        owner = self.scopes[self.scopes[scope].parent]
        attr = self.text(left.child_by_field_name("attribute"))
        owner.self_attrs.setdefault(attr, []).append((value, scope))

    def on_unknown(self, node: TSNode, scope: int) -> None:
        target = self.scopes[scope]
        if node.type == "identifier":
            target.bind(self.text(node), ("unknown",))
            return
        for child in node.named_children:
            if child.type == "identifier":
                target.bind(self.text(child), ("unknown",))

    def on_return(self, node: TSNode, scope: int) -> None:
        if self.scopes[scope].kind != "function" or not node.named_children:
            return
        value = node.named_children[0]
        self.scopes[scope].returns.append(self.expr(value))
        if value.type in ("identifier", "attribute"):
            self._ref("ref", scope, value)

    def _ref(self, kind: str, scope: int, node: TSNode) -> None:
        start, end = node.start_byte, node.end_byte
        kind_of_node = node.type
        text: str | None = None  # a plain dotted name: the expression spells the text
        if kind_of_node == "identifier" and end - start <= MAX_TEXT:
            parsed: Expr = self._identifier(self.source[start:end])
        else:
            parsed = self._dotted(self.source[start:end]) if kind_of_node == "attribute" else None
            if parsed is None or end - start > MAX_TEXT:
                parsed, text = self.expr(node), self.text(node, MAX_TEXT)
        if parsed is not None:
            self.result.refs.append((kind, scope, parsed, node.start_point.row + 1, text))


def _dotted(raw: bytes, strings: dict[str, str]) -> Expr:
    if not DOTTED.fullmatch(raw):
        return None
    parts = [strings.setdefault(part, part) for part in raw.decode("ascii").split(".")]
    if parts[0] in CONSTANTS:
        return None
    result: Expr = ("name", parts[0])
    for part in parts[1:]:
        result = ("attr", result, part)
    return result


def _module_ref(node: TSNode | None, strings: dict[str, str]) -> tuple[str, int]:
    if node is None:
        return "", 0
    if node.type != "relative_import":
        return text(node, 0, strings), 0
    prefix = node.named_children[0] if node.named_children else None
    level = len(text(prefix)) if prefix is not None and prefix.type == "import_prefix" else 0
    dotted = [c for c in node.named_children if c.type == "dotted_name"]
    return (text(dotted[0], 0, strings) if dotted else ""), level
