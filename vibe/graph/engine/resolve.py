"""Scope-aware evaluation of expressions to definitions: the heart of name resolution.

Values are small tuples: ("mod", path) · ("def", path, scope) · ("inst", path, class_scope) ·
("super", path, class_scope) · ("ext", "pkg.symbol", "pkg") · ("lambda",). A result is
(value, confidence, how). Anything we cannot follow evaluates to None: precision comes first,
so an ambiguous or unknown binding is never guessed from a same-named definition elsewhere.
"""

from __future__ import annotations

import builtins
from typing import Any

from vibe.graph.engine.bindings import evaluate_binding
from vibe.graph.engine.ids import node_id
from vibe.graph.engine.languages import JS_FAMILY
from vibe.graph.engine.model import Binding, Definition, Expr, FileResult, Scope
from vibe.graph.engine.modules import module_member, python_import
from vibe.graph.engine.mro import foreign_bases, linearize
from vibe.graph.engine.symbols import EMPTY_NODE, DepNode, SymbolTable, dep_node

Value = tuple[Any, ...]
Result = tuple[Value, float, str]

MAX_DEPTH = 24
MAX_BINDINGS = 6
PY_BUILTINS = frozenset(dir(builtins))
OBJECT_ATTRS = frozenset(dir(object))
JS_GLOBALS = frozenset(
    [
        "console",
        "JSON",
        "Math",
        "Object",
        "Array",
        "Promise",
        "String",
        "Number",
        "Boolean",
        "Date",
        "Error",
        "TypeError",
        "Map",
        "Set",
        "WeakMap",
        "Symbol",
        "RegExp",
        "parseInt",
        "parseFloat",
        "setTimeout",
        "clearTimeout",
        "setInterval",
        "clearInterval",
        "fetch",
        "require",
        "process",
        "Buffer",
        "window",
        "document",
        "globalThis",
        "structuredClone",
        "encodeURIComponent",
        "decodeURIComponent",
        "isNaN",
        "Reflect",
        "Proxy",
        "BigInt",
        "URL",
    ]
)
CONFIDENCE = {
    "local": 1.0,
    "builtin": 1.0,
    "import": 0.95,
    "self": 0.95,
    "self-mro": 0.9,
    "super": 0.9,
    "annotation": 0.85,
    "assign": 0.85,
    "attr-type": 0.8,
    "return-type": 0.75,
}
_BUSY: Any = object()


class Resolver:
    """Evaluates expressions against all files through a dependency-recording symbol table."""

    def __init__(self, table: SymbolTable) -> None:
        self.table = table
        self._memo: dict[tuple[Any, ...], tuple[Any, DepNode]] = {}
        self._definitions: dict[str, dict[int, Definition]] = {}
        self._depth = 0
        self._cycles = 0
        self._ids: dict[tuple[str, str], str] = {}
        # Names looked up in the function and class scopes of the file being resolved: most are
        # used by that file only, so they are dropped from the memo when it is done (see below).
        self._focus = ""
        self._focus_names: list[tuple[Any, ...]] = []

    def node_id(self, project: str, kind: str, qname: str) -> str:
        """Node ids are hashes; many edges point at the same few targets, so cache them."""
        key = (kind, qname)
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = node_id(project, kind, qname)
        return found

    def definitions(self, path: str) -> dict[int, Definition]:
        """Definitions of a file by the scope they open (the file is already a dependency)."""
        found = self._definitions.get(path)
        if found is None:
            found = {d.scope: d for d in self.table.files[path].defs if d.scope >= 0}
            self._definitions[path] = found
        return found

    # -- memoisation that keeps dependency sets exact -------------------------------------
    def _cached(self, key: tuple[Any, ...], compute: Any) -> Any:
        """Memoise `compute()` with the dependencies it recorded.

        A result computed while a cycle was cut short (or the depth limit hit) depends on the
        call stack, so it is not memoised: results must not depend on resolution order, or an
        incremental update could differ from a clean index.
        """
        table = self.table
        hit = self._memo.get(key)
        if hit is not None:
            if hit[0] is _BUSY:
                self._cycles += 1
                return None
            # Hits repeat the same dependency nodes: note the node, flatten once per file.
            table.dep_sets[id(hit[1])] = hit[1]
            return hit[0]
        if self._depth > MAX_DEPTH:
            self._cycles += 1
            return None
        outer, outer_sets = table.deps, table.dep_sets
        table.deps, table.dep_sets = set(), {}
        self._memo[key] = (_BUSY, EMPTY_NODE)
        cycles = self._cycles
        self._depth += 1
        try:
            value = compute()
        finally:
            self._depth -= 1
            inner, inner_sets = table.deps, table.dep_sets
            table.deps, table.dep_sets = outer, outer_sets
        if self._cycles == cycles:
            recorded = dep_node(inner, inner_sets)
            self._memo[key] = (value, recorded)
            outer_sets[id(recorded)] = recorded
        else:
            del self._memo[key]
            outer.update(inner)
            outer_sets.update(inner_sets)
        return value

    def file(self, path: str) -> FileResult:
        """A file's result; reading its module name or language is recorded as a dependency."""
        self.table.deps.add(f"meta:{path}")
        return self.table.files[path]

    def scope(self, path: str, index: int) -> Scope:
        """A scope of a file, recorded as a dependency (module scopes are tracked per name)."""
        if index:
            self.table.deps.add(f"scope:{path}:{index}")
        return self.table.files[path].scopes[index]

    # -- expressions -----------------------------------------------------------------------
    def eval(self, expr: Expr, path: str, scope: int) -> Result | None:
        """Evaluate an expression in a scope of a file."""
        if expr is None:
            return None
        kind = expr[0]
        if kind == "name":
            return self.name(expr[1], path, scope)
        if kind == "attr":
            base = self.eval(expr[1], path, scope)
            return self.member(base, expr[2]) if base is not None else None
        if kind == "call":
            return self.call(expr[1], path, scope)
        if kind == "lambda":
            return ("lambda",), 1.0, "local"
        return None

    def call(self, func: Expr, path: str, scope: int) -> Result | None:
        """The value a call expression produces (instance, returned value or super proxy)."""
        if func == ("name", "super"):
            proxy = self._python_super(path, scope)
            if proxy is not None:
                return proxy
        callee = self.eval(func, path, scope)
        return self.call_result(callee) if callee is not None else None

    def focus(self, path: str) -> None:
        """Start resolving `path`'s own use sites; forget the local names of the previous file.

        Inner-scope names are nearly all looked up by their own file's use sites, yet they were
        most of the memo (and of a full index's peak memory) until the very end. Another file
        needing one again (a return type, say) recomputes it: results never depend on what was
        resolved before, so forgetting changes no result, only when it is computed.
        """
        memo = self._memo
        for key in self._focus_names:
            hit = memo.get(key)
            if hit is not None and hit[0] is not _BUSY:
                del memo[key]
        self._focus, self._focus_names = path, []

    def name(self, name: str, path: str, scope: int) -> Result | None:
        """Look a bare name up through the scope chain (class bodies are skipped when nested)."""
        key = ("name", path, scope, name)
        if scope and path == self._focus:
            self._focus_names.append(key)
        return self._cached(key, lambda: self._name(name, path, scope))

    def _name(self, name: str, path: str, scope: int) -> Result | None:
        current, first = scope, True
        while current >= 0:
            if current == 0:
                self.table.deps.update((f"top:{path}:{name}", f"star:{path}"))
            table = self.scope(path, current)
            if table.kind != "class" or first:
                if name in table.bindings:
                    return self.bindings(table.bindings[name], path, current)
                for module, level in table.star_imports:
                    found = self._star_member(path, module, level, name)
                    if found is not None:
                        return found
            current, first = table.parent, False
        return self._global(name, self.file(path).language)

    @staticmethod
    def _global(name: str, language: str) -> Result | None:
        if language == "python" and name in PY_BUILTINS:
            return ("ext", f"builtins.{name}", "builtins"), 1.0, "builtin"
        if language in JS_FAMILY and name in JS_GLOBALS:
            return ("ext", f"globalThis.{name}", "globalThis"), 1.0, "builtin"
        return None

    def bindings(self, found: list[Binding], path: str, scope: int) -> Result | None:
        """All bindings of a name must agree, otherwise the name is ambiguous (None)."""
        results = [self.binding(b, path, scope) for b in found[:MAX_BINDINGS]]
        if len(found) > MAX_BINDINGS or any(r is None for r in results):
            return None
        values = {r[0] for r in results if r is not None}
        if len(values) != 1:
            return None
        return min((r for r in results if r is not None), key=lambda r: r[1])

    def binding(self, binding: Binding, path: str, scope: int) -> Result | None:
        """Evaluate one binding of a name."""
        return evaluate_binding(self, binding, path, scope)

    # -- members ---------------------------------------------------------------------------
    def member(self, base: Result, attr: str) -> Result | None:
        """`base.attr`: module members, class attributes through the MRO, instance attributes."""
        value, confidence, how = base
        kind = value[0]
        found: Result | None = None
        if kind == "mod":
            found = self.module_member(value[1], attr)
        elif kind == "def" and self.scope(value[1], value[2]).kind == "class":
            found = self.class_member(value[1], value[2], attr, instance=False)
        elif kind == "inst":
            found = self.class_member(value[1], value[2], attr, instance=True)
        elif kind == "super":
            found = self.class_member(value[1], value[2], attr, instance=True, skip=1)
            how = "super"
        elif kind == "ext":
            return ("ext", f"{value[1]}.{attr}", value[2]), confidence, how
        if found is None:
            return None
        if how == "self":
            how = "self-mro"
        if found[2] in ("attr-type", "return-type", "assign", "annotation") and kind != "mod":
            how = found[2] if how in ("local", "import", "self-mro") else how
        return found[0], min(confidence, found[1], CONFIDENCE.get(how, 0.8)), how

    def module_member(self, path: str, attr: str) -> Result | None:
        """A name exported by a module (Python module namespace, or JS exports)."""
        return self._cached(("mod", path, attr), lambda: self._module_member(path, attr))

    def _module_member(self, path: str, attr: str) -> Result | None:
        return module_member(self, path, attr)

    def _star_member(self, path: str, module: str, level: int, name: str) -> Result | None:
        target = python_import(self, path, module, level)
        if target is None or target[0][0] != "mod":
            return None
        return self.module_member(target[0][1], name)

    def mro(self, path: str, scope: int) -> list[tuple[str, int]]:
        """Linearised internal base classes of a class (C3, falling back to depth-first)."""
        return self._cached(("mro", path, scope), lambda: linearize(self, path, scope)) or []

    def class_member(
        self, path: str, scope: int, attr: str, *, instance: bool, skip: int = 0
    ) -> Result | None:
        """Look `attr` up along the MRO; instances also see attributes assigned on self."""
        key = ("member", path, scope, attr, instance, skip)
        return self._cached(key, lambda: self._class_member(path, scope, attr, instance, skip))

    def _class_member(
        self, path: str, scope: int, attr: str, instance: bool, skip: int
    ) -> Result | None:
        chain = self.mro(path, scope)
        for owner_path, owner in chain[skip:]:
            table = self.scope(owner_path, owner)
            if attr in table.bindings:
                return self.bindings(table.bindings[attr], owner_path, owner)
            if instance and attr in table.self_attrs:
                return self._self_attr(owner_path, table.self_attrs[attr])
        return self._inherited_from_outside(chain, attr)

    def _inherited_from_outside(self, chain: list[tuple[str, int]], attr: str) -> Result | None:
        """An attribute no known class defines: from the one external base, or from object."""
        external: set[tuple] = set()
        for owner_path, owner in chain:
            found, unknown = foreign_bases(self, owner_path, owner)
            if unknown:
                return None
            external.update(found)
        if len(external) == 1:
            value = next(iter(external))
            return ("ext", f"{value[1]}.{attr}", value[2]), 0.7, "inherited-external"
        python = chain and self.file(chain[0][0]).language == "python"
        if not external and python and attr in OBJECT_ATTRS:
            return ("ext", f"builtins.object.{attr}", "builtins"), 0.9, "builtin"
        return None

    def _self_attr(self, path: str, assigned: list[tuple[Binding, int]]) -> Result | None:
        results = [self.binding(binding, path, scope) for binding, scope in assigned[:4]]
        values = {r[0] for r in results if r is not None}
        if len(values) != 1 or any(r is None for r in results):
            return None
        value, confidence, _ = next(r for r in results if r is not None)
        return value, min(confidence, CONFIDENCE["attr-type"]), "attr-type"

    # -- calls -----------------------------------------------------------------------------
    def call_result(self, callee: Result) -> Result | None:
        """What calling a value gives: an instance for a class, the return type for a function."""
        value, confidence, how = callee
        if value[0] == "super":
            return None
        if value[0] != "def":
            return None
        path, scope = value[1], value[2]
        table = self.scope(path, scope)
        if table.kind == "class":
            return ("inst", path, scope), confidence, how
        returned = self._cached(("ret", path, scope), lambda: self._returns(path, scope))
        if returned is None:
            return None
        return returned[0], min(confidence, returned[1]), "return-type"

    def _returns(self, path: str, scope: int) -> Result | None:
        table = self.scope(path, scope)
        if table.return_ann is not None:
            return self.instance_of(self.eval(table.return_ann, path, table.parent))
        results = [self.eval(e, path, scope) for e in table.returns[:4]]
        values = {r[0] for r in results if r is not None}
        if not results or len(values) != 1 or any(r is None for r in results):
            return None
        value = next(r for r in results if r is not None)[0]
        return value, CONFIDENCE["return-type"], "return-type"

    def instance_of(self, annotated: Result | None) -> Result | None:
        """An annotation names a class; the annotated value is an instance of it."""
        if annotated is None:
            return None
        value, confidence, _ = annotated
        if value[0] == "def" and self.scope(value[1], value[2]).kind == "class":
            return ("inst", value[1], value[2]), min(confidence, 0.85), "annotation"
        return None

    def _python_super(self, path: str, scope: int) -> Result | None:
        if self.file(path).language != "python":
            return None
        builtin = self.name("super", path, scope)
        if builtin is None or builtin[0] != ("ext", "builtins.super", "builtins"):
            return None
        current = scope
        while current > 0 and self.scope(path, current).kind == "function":
            parent = self.scope(path, current).parent
            if parent > 0 and self.scope(path, parent).kind == "class":
                return ("super", path, parent), CONFIDENCE["super"], "super"
            current = parent
        return None
