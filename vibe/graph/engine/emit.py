"""Turning one file's use sites into resolved edges and unresolved references.

The dependency keys the symbol table recorded while doing so travel with the result: they say
which other files' changes must trigger re-resolving this one.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vibe.graph.engine.languages import JS_FAMILY
from vibe.graph.engine.model import Definition, Edge, FileResult, Node, Unresolved, tuple_pickled
from vibe.graph.engine.modules import js_import, python_import
from vibe.graph.engine.resolve import Resolver, Result, Value

if TYPE_CHECKING:
    from vibe.graph.engine.packages import PackageNames

NODE_BUILTINS = frozenset(
    [
        "assert",
        "buffer",
        "child_process",
        "crypto",
        "events",
        "fs",
        "http",
        "https",
        "net",
        "os",
        "path",
        "process",
        "querystring",
        "readline",
        "stream",
        "string_decoder",
        "timers",
        "tls",
        "url",
        "util",
        "vm",
        "worker_threads",
        "zlib",
    ]
)
# `super` itself (the proxy, not a target) and `require` (an import, recorded as such).
IGNORED_CALLEES = {
    "python": (("name", "super"),),
    "javascript": (("name", "require"),),
    "typescript": (("name", "require"),),
    "tsx": (("name", "require"),),
}
STDLIB_PYTHON = frozenset(sys.stdlib_module_names) | {"builtins", "__future__"}


@tuple_pickled
@dataclass(slots=True)
class FileResolution:
    """Resolved edges of one file plus the external nodes they point at and their dependencies."""

    edges: list[Edge] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    externals: dict[str, Node] = field(default_factory=dict)
    deps: frozenset[str] = frozenset()
    # Python import name -> (top-level name, package it was linked to), to notice manifest edits.
    packages: dict[str, tuple[str, str]] = field(default_factory=dict)


class _Emitter:
    def __init__(
        self,
        resolver: Resolver,
        project: str,
        result: FileResult,
        packages: PackageNames | None = None,
    ) -> None:
        self.r = resolver
        self.project = project
        self.packages = packages
        self.file = result
        self.out = FileResolution()
        self.seen: set[tuple[str, str, str]] = set()
        self.defs = {d.scope: d for d in result.defs}
        self.sources: dict[int, str | None] = {}
        # The same use in the same scope (`self.x()`, `len(...)`) recurs within a file; its value
        # and dependencies are those of its first evaluation, so evaluate it once.
        self.values: dict[tuple[int, tuple], Result | None] = {}

    def node_id(self, kind: str, qname: str) -> str:
        return self.r.node_id(self.project, kind, qname)

    def run(self) -> FileResolution:
        self.r.focus(self.file.path)
        self.r.table.start_recording()
        self.r.table.lookup(f"file:{self.file.path}")
        self._imports()
        self._inherits()
        for kind, scope, expr, line, text in self.file.refs:
            self._ref(kind, scope, expr, line, text)
        self.out.deps = self.r.table.recorded()
        return self.out

    # -- node ids ----------------------------------------------------------------------------
    def scope_id(self, path: str, scope: int) -> str | None:
        if path == self.file.path and scope in self.sources:
            return self.sources[scope]
        found = self._scope_id(path, scope)
        if path == self.file.path:
            self.sources[scope] = found
        return found

    def _scope_id(self, path: str, scope: int) -> str | None:
        result = self.r.file(path)
        if scope == 0:
            return self.node_id("module", result.module)
        definition = self._definition(path, scope)
        return self.node_id(definition.kind, definition.qname) if definition else None

    def _definition(self, path: str, scope: int) -> Definition | None:
        if path == self.file.path:
            return self.defs.get(scope)
        self.r.table.deps.add(f"scope:{path}:{scope}")
        return self.r.definitions(path).get(scope)

    def external(self, symbol: str, package: str, *, is_symbol: bool = True) -> str:
        """Id of an external symbol (or, with `is_symbol=False`, of the package `symbol` is in)."""
        top = package
        stdlib = self._stdlib(package)
        if not stdlib and self.packages is not None and self.file.language == "python":
            package = self.packages.python(symbol, top)
            self.out.packages[symbol] = (top, package)
        package_id = self.node_id("external_package", package)
        if package_id not in self.out.externals:
            declared = self.packages.node(package) if self.packages is not None else None
            self.out.externals[package_id] = declared or Node(
                package_id, "external_package", package, package, attrs={"stdlib": stdlib}
            )
        if not is_symbol or symbol == top:
            return package_id
        symbol_id = self.node_id("external_symbol", symbol)
        if symbol_id not in self.out.externals:
            name = symbol.rsplit(".", 1)[-1]
            attrs = {"stdlib": stdlib, "package": package}
            self.out.externals[symbol_id] = Node(
                symbol_id, "external_symbol", symbol, name, attrs=attrs
            )
            self.out.edges.append(Edge(package_id, symbol_id, "defines", 1.0, "external"))
        return symbol_id

    def _stdlib(self, package: str) -> bool:
        if self.file.language in JS_FAMILY:
            return package in NODE_BUILTINS or package == "globalThis"
        return package in STDLIB_PYTHON

    def target_id(self, value: Value) -> tuple[str, str] | None:
        """(node id, definition kind) of a value that is a definition or an external symbol."""
        if value[0] == "def":
            definition = self._definition(value[1], value[2])
            if definition is None:
                return None
            return self.node_id(definition.kind, definition.qname), definition.kind
        if value[0] == "ext":
            return self.external(value[1], value[2]), "external_symbol"
        if value[0] == "mod":
            return self.node_id("module", self.r.file(value[1]).module), "module"
        return None

    def edge(self, source: str, target: str, kind: str, found: Result, line: int) -> None:
        key = (source, target, kind)
        if key in self.seen:
            return
        self.seen.add(key)
        _, confidence, how = found
        self.out.edges.append(
            Edge(source, target, kind, round(confidence, 3), how, self.file.path, line)
        )

    # -- facts ---------------------------------------------------------------------------------
    def _imports(self) -> None:
        source = self.node_id("module", self.file.module)
        for fact in self.file.imports:
            for found in self._import_targets(fact.module, fact.level, fact.names):
                if found is None:
                    text = "." * fact.level + fact.module
                    self.unresolved(source, text, "imports", fact.line)
                    continue
                value = found[0]
                if value[0] == "ext":
                    target = self.external(value[1], value[2], is_symbol=False)
                else:
                    target = self.node_id("module", self.r.file(value[1]).module)
                self.edge(source, target, "imports", (value, 1.0, "import"), fact.line)

    def _import_targets(self, module: str, level: int, names: tuple[str, ...]) -> list:
        if self.file.language in JS_FAMILY:
            return [js_import(self.r, self.file.path, module, "*")]
        base = python_import(self.r, self.file.path, module, level)
        if base is None or base[0][0] != "mod" or not names:
            return [base]
        prefix = self.r.file(base[0][1]).module
        subs = []
        for name in names:
            found = self.r.table.lookup(f"py:{prefix}.{name}" if prefix else f"py:{name}")
            subs.append((("mod", found), 1.0, "import") if found is not None else base)
        return subs

    def _inherits(self) -> None:
        for index, scope in enumerate(self.file.scopes):
            if scope.kind != "class" or not scope.bases:
                continue
            source = self.scope_id(self.file.path, index)
            line = self.defs[index].start_line if index in self.defs else 0
            for base in scope.bases:
                found = self.r.eval(base, self.file.path, scope.parent)
                target = self.target_id(found[0]) if found is not None else None
                if source is None:
                    continue
                if target is None:
                    self.unresolved(source, _expr_text(base), "inherits", line)
                else:
                    self.edge(source, target[0], "inherits", found, line)

    def _ref(self, kind: str, scope: int, expr: tuple, line: int, text: str | None) -> None:
        source = self.scope_id(self.file.path, scope)
        if source is None or expr in IGNORED_CALLEES.get(self.file.language, ()):
            return
        key = (scope, expr)
        if key in self.values:
            found = self.values[key]
        else:
            found = self.values[key] = self.r.eval(expr, self.file.path, scope)
        if found is not None and found[0][0] == "super" and kind == "call":
            found = self.r.member(found, "constructor")
            if found is None:
                return
        if kind == "ref":
            self._reference(source, found, line)
            return
        target = self.target_id(found[0]) if found is not None else None
        if found is None or target is None:
            if found is None or found[0][0] not in ("lambda", "inst", "super"):
                written = _expr_text(expr) if text is None else text
                self.unresolved(source, written, "calls", line)
            return
        if kind == "decorator":
            if found[2] == "builtin":
                return
            found = (found[0], found[1], "decorator")
        edge_kind = "instantiates" if target[1] == "class" or kind == "new" else "calls"
        if target[1] != "module":
            self.edge(source, target[0], edge_kind, found, line)

    def _reference(self, source: str, found: Result | None, line: int) -> None:
        if found is None or found[0][0] != "def":
            return
        target = self.target_id(found[0])
        if target is not None:
            self.edge(source, target[0], "references", found, line)

    def unresolved(self, source: str, text: str, kind: str, line: int) -> None:
        self.out.unresolved.append(Unresolved(source, text, kind, self.file.path, line))


def resolve_file(
    resolver: Resolver,
    project: str,
    result: FileResult,
    packages: PackageNames | None = None,
) -> FileResolution:
    """Resolve every import, base class and use site of one file (`packages`: declared PyPI
    distributions that third-party Python imports are linked to)."""
    return _Emitter(resolver, project, result, packages).run()


def _expr_text(expr: tuple | None) -> str:
    if expr is None:
        return "?"
    if expr[0] == "name":
        return expr[1]
    if expr[0] == "attr":
        return f"{_expr_text(expr[1])}.{expr[2]}"
    if expr[0] == "call":
        return f"{_expr_text(expr[1])}()"
    return "?"
