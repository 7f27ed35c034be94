"""Plain data types of the code knowledge graph engine.

Everything here is a slotted dataclass or a tuple so that extraction results can cross a process
boundary cheaply and the storage layer can map them to rows without knowing about tree-sitter.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")

NODE_KINDS = (
    "repository",
    "directory",
    "file",
    "module",
    "class",
    "function",
    "method",
    "external_package",
    "external_symbol",
)
EDGE_KINDS = (
    "contains",
    "defines",
    "imports",
    "calls",
    "inherits",
    "instantiates",
    "references",
)

# An expression the resolver can evaluate, as nested tuples (cheap to build and to pickle):
#   ("name", "x") · ("attr", base, "y") · ("call", func) · ("str", "Foo") · ("lambda",) · None
Expr = tuple[Any, ...] | None

# A binding of a name in a scope: ("def", qname) · ("import", module, level) ·
# ("from", module, level, name) · ("assign", expr) · ("ann", expr) · ("param", ann, position) ·
# ("unknown",) · ("jsimport", spec, name) · ("lambda",)
Binding = tuple[Any, ...]

# A use site to resolve: (kind, scope, expr, line, text), kind "call" | "ref" | "decorator" |
# "new". `text` is the source as written (kept for unresolved calls), or None when `expr` spells
# it exactly (a plain dotted name). A tuple: there is one per use site, the index's bulk.
Ref = tuple[str, int, Expr, int, str | None]


REF_KINDS = ("call", "ref", "decorator", "new")
_REF_CODES = {kind: code for code, kind in enumerate(REF_KINDS)}


class Refs:
    """A finished file's use sites, stored by column: iterates as `Ref` tuples.

    A list of 5-tuples cost ~120 bytes per use site (the tuple plus a line-number object), and a
    10k-file index has ~850k of them; by column it is ~20 bytes (kind byte, scope and line in
    arrays, the shared expression, the rare kept text by position).
    """

    __slots__ = ("exprs", "kinds", "lines", "scopes", "texts")

    def __init__(self, refs: list[Ref]) -> None:
        self.kinds = bytes([_REF_CODES[r[0]] for r in refs])
        self.scopes = array("i", [r[1] for r in refs])
        self.exprs = tuple([r[2] for r in refs])
        self.lines = array("i", [r[3] for r in refs])
        self.texts = {i: r[4] for i, r in enumerate(refs) if r[4] is not None}

    def __iter__(self) -> Iterator[Ref]:
        # Everything but placing the rare texts runs in C: this is the resolver's inner loop.
        texts: list[str | None] = [None] * len(self.kinds)
        for i, text in self.texts.items():
            texts[i] = text
        kinds = map(REF_KINDS.__getitem__, self.kinds)
        return zip(kinds, self.scopes, self.exprs, self.lines, texts, strict=True)

    def __len__(self) -> int:
        return len(self.kinds)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Refs | list):
            return list(self) == list(other)
        return NotImplemented

    def __reduce__(self) -> tuple[Any, ...]:
        return _columns, (self.kinds, self.scopes, self.exprs, self.lines, self.texts)


def _columns(
    kinds: bytes, scopes: array, exprs: tuple, lines: array, texts: dict[int, str]
) -> Refs:
    refs = Refs.__new__(Refs)
    refs.kinds, refs.scopes, refs.exprs, refs.lines, refs.texts = kinds, scopes, exprs, lines, texts
    return refs


def tuple_pickled(cls: type[T]) -> type[T]:
    """Pickle a slotted dataclass as (class, field values).

    The default for `slots=True` walks `dataclasses.fields()` in Python for every object, both
    ways; results cross process boundaries by the hundred thousand, so that walk mattered.
    """
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    values: Callable[[Any], tuple[Any, ...]] = attrgetter(*names)

    def __reduce__(self: Any) -> tuple[type[T], tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign,assignment]
    return cls


@tuple_pickled
@dataclass(slots=True)
class Node:
    """One vertex of the graph; `id` is derived from (project, kind, qname) so it is stable."""

    id: str
    kind: str
    qname: str
    name: str
    language: str = ""
    file: str = ""
    start_line: int = 0
    end_line: int = 0
    signature: str = ""
    docstring: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)


@tuple_pickled
@dataclass(slots=True, frozen=True)
class Edge:
    """A directed, typed relation; resolved edges say how sure we are and how we got there."""

    source: str
    target: str
    kind: str
    confidence: float = 1.0
    resolution: str = "syntax"
    file: str = ""
    line: int = 0


@tuple_pickled
@dataclass(slots=True, frozen=True)
class Unresolved:
    """A call we could not attach to a definition; kept with its text instead of being guessed."""

    source: str
    target_text: str
    kind: str
    file: str
    line: int


@tuple_pickled
@dataclass(slots=True, frozen=True)
class Skipped:
    """A file the indexer did not index, and why (size, binary, encoding, unreadable...)."""

    path: str
    reason: str


@tuple_pickled
@dataclass(slots=True)
class Definition:
    """A class, function or method found by extraction, before ids are assigned."""

    qname: str
    kind: str
    name: str
    start_line: int
    end_line: int
    signature: str = ""
    docstring: str = ""
    scope: int = -1  # index of the scope this definition opens (-1: structure-only language)


@tuple_pickled
@dataclass(slots=True)
class Scope:
    """A lexical scope (module, class or function body) and the names it binds."""

    qname: str
    kind: str  # "module" | "class" | "function"
    parent: int
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    bases: list[Expr] = field(default_factory=list)
    returns: list[Expr] = field(default_factory=list)
    return_ann: Expr = None
    decorators: list[str] = field(default_factory=list)
    self_attrs: dict[str, list[tuple[Expr, int]]] = field(default_factory=dict)
    star_imports: list[tuple[str, int]] = field(default_factory=list)

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


def seal(result: FileResult) -> None:
    """Compact a finished extraction result: use sites by column, scopes' empty lists shared."""
    result.refs = Refs(result.refs)  # type: ignore[arg-type]
    seal_scopes(result.scopes)


def seal_scopes(scopes: list[Scope]) -> None:
    """Replace the empty lists of finished scopes with the shared empty tuple.

    Most scopes have no bases, decorators, returns or star imports: four empty lists each, ~30 MB
    on a 10k-file index. `()` is one immutable object that pickles as itself, and an append to a
    finished scope fails loudly instead of leaking into every other scope.
    """
    for scope in scopes:
        if not scope.bases:
            scope.bases = ()  # type: ignore[assignment]
        if not scope.returns:
            scope.returns = ()  # type: ignore[assignment]
        if not scope.decorators:
            scope.decorators = ()  # type: ignore[assignment]
        if not scope.star_imports:
            scope.star_imports = ()  # type: ignore[assignment]


@tuple_pickled
@dataclass(slots=True)
class ImportFact:
    """One imported module, kept for `imports` edges independently of the names it binds."""

    module: str
    level: int
    names: tuple[str, ...]
    line: int


@tuple_pickled
@dataclass(slots=True)
class FileResult:
    """Everything extraction learned from one file; keyed by root-relative POSIX path."""

    path: str
    language: str
    content_hash: str
    size: int
    module: str = ""
    is_package: bool = False
    defs: list[Definition] = field(default_factory=list)
    scopes: list[Scope] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)  # a `Refs` once extraction is sealed
    imports: list[ImportFact] = field(default_factory=list)
    exports: dict[str, Binding] = field(default_factory=dict)
    star_exports: list[str] = field(default_factory=list)
    docstring: str = ""
    errors: list[str] = field(default_factory=list)


@tuple_pickled
@dataclass(slots=True)
class GraphData:
    """The whole in-memory graph: what the storage layer persists and networkx loads."""

    project: str
    root: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    file_hashes: dict[str, str] = field(default_factory=dict)
    cancelled: bool = False
