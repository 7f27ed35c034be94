"""The global symbol table: which file answers a module name or a path, with dependency tracking.

Every cross-file fact the resolver uses is reached through `lookup()`, which records the key it
asked for (found or not). A file's recorded keys are exactly what its resolution depends on,
so after an edit only files whose keys changed value need re-resolving; that is what keeps an
incremental update equal to a clean re-index.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from vibe.graph.engine.languages import JS_FAMILY
from vibe.graph.engine.model import FileResult

SOURCE_ROOT_DIRS = frozenset({"src", "lib", "python"})
JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")

# The dependencies of a memoised result, as a node of a shared DAG: (n, *the n keys it asked for
# itself, *the nodes of the memoised results it used), one flat tuple. Copying every inner set
# into each outer result's set filled the resolver's memo with millions of duplicated entries
# (most of a full index's peak memory); only a file's own resolution flattens its DAG, once.
DepNode = tuple[Any, ...]
EMPTY_NODE: DepNode = (0,)


def dep_node(keys: set[str], nodes: Mapping[int, DepNode]) -> DepNode:
    """The node for `keys` asked directly plus the memoised results `nodes` (shared, not copied).

    One tuple, not a set: most results ask for one or two keys, and a frozenset costs 216 bytes
    at least. Keys are interned only in `recorded()`, for the sets that outlive the memo: doing
    it here too saved ~15 MB of peak on 10k files but cost ~10 % of resolution time."""
    if not keys:
        if not nodes:
            return EMPTY_NODE
        if len(nodes) == 1:
            return next(iter(nodes.values()))
    return (len(keys), *keys, *nodes.values())


def file_keys(result: FileResult) -> dict[str, Any]:
    """The facts of one file other files can depend on, one key per separately usable fact.

    Values are the facts themselves (compared with ``==``), so an edit re-resolves dependents
    only when a fact they actually read changed: adding a function to a module does not
    re-resolve its importers unless they looked that name up.
    """
    path = result.path
    keys: dict[str, Any] = {
        f"file:{path}": True,
        f"meta:{path}": (result.module, result.language, result.is_package),
    }
    top = result.scopes[0] if result.scopes else None
    keys[f"star:{path}"] = (top.star_imports if top else None, result.star_exports)
    if top is not None:
        for name, bindings in top.bindings.items():
            keys[f"top:{path}:{name}"] = bindings
    for name, binding in result.exports.items():
        keys[f"exp:{path}:{name}"] = binding
    kinds = {d.scope: (d.kind, d.qname) for d in result.defs}
    for index, s in enumerate(result.scopes[1:], 1):
        keys[f"scope:{path}:{index}"] = (
            kinds.get(index),
            s.kind,
            s.parent,
            s.bindings,
            s.bases,
            s.self_attrs,
            s.returns,
            s.return_ann,
            s.star_imports,
        )
    return keys


def python_keys(files: Mapping[str, FileResult]) -> dict[str, str]:
    """`py:<module name>` → path, for full names and unambiguous `src/`-root aliases."""
    keys: dict[str, str] = {}
    python = sorted(
        (path for path, result in files.items() if result.language == "python"),
        key=lambda path: (path.endswith(".pyi"), path),
    )
    for path in python:
        keys.setdefault(f"py:{files[path].module}", path)
    packages = {path.rpartition("/")[0] for path in python if _is_init(path)}
    aliases: dict[str, set[str]] = {}
    for path in python:
        alias = _import_alias(files[path].module, path, packages)
        if alias and f"py:{alias}" not in keys:
            aliases.setdefault(alias, set()).add(path)
    for alias, paths in sorted(aliases.items()):
        if len(paths) == 1:
            keys[f"py:{alias}"] = next(iter(paths))
    return keys


def symbol_keys(files: Mapping[str, FileResult]) -> dict[str, Any]:
    """The whole symbol table of a set of files (every file's keys plus module names)."""
    keys = {k: v for result in files.values() for k, v in file_keys(result).items()}
    keys.update(python_keys(files))
    return keys


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> set[str]:
    """Keys whose value differs between two key maps (added and removed keys included)."""
    return {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}


def _is_init(path: str) -> bool:
    return path.rpartition("/")[2].startswith("__init__.")


def _import_alias(module: str, path: str, packages: set[str]) -> str:
    """Name under a `src/`-style source root (`src/pkg/mod.py` → `pkg.mod`), or ``""``."""
    parts = path.split("/")
    if not SOURCE_ROOT_DIRS.intersection(parts[:-1]):
        return ""
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] in SOURCE_ROOT_DIRS and "/".join(parts[: i + 1]) not in packages:
            return ".".join(module.split(".")[i + 1 :])
    return ""


class SymbolTable:
    """Answers module and file lookups for the resolver and records what was asked."""

    def __init__(self, files: Mapping[str, FileResult], keys: Mapping[str, Any]) -> None:
        self.files = files
        self.keys = keys
        self.deps: set[str] = set()
        # Dependency nodes of memoised results, by id: flattened into `deps` in `recorded()`.
        self.dep_sets: dict[int, DepNode] = {}

    def start_recording(self) -> None:
        """Forget what was asked so far: the next `recorded()` covers one file's resolution."""
        self.deps = set()
        self.dep_sets = {}

    def recorded(self) -> frozenset[str]:
        """Every key asked for since `start_recording()`, directly or through memoised results."""
        found = set(map(sys.intern, self.deps))
        seen: set[int] = set()
        stack = list(self.dep_sets.values())
        pop, push, mark, merge = stack.pop, stack.extend, seen.add, found.update
        while stack:
            node = pop()
            if id(node) in seen:
                continue
            mark(id(node))
            count = node[0] + 1
            merge(node[1:count])
            if len(node) > count:
                push(node[count:])
        return frozenset(found)

    def lookup(self, key: str) -> Any:
        """Value of a key (recorded as a dependency whether or not it exists)."""
        self.deps.add(key)
        return self.keys.get(key)

    def file(self, path: str) -> FileResult | None:
        """The extraction result of a file, recording the dependency on its content."""
        return self.files.get(path) if self.lookup(f"file:{path}") is not None else None

    def python_module(self, name: str, importer: str) -> str | None:
        """Path of the Python module `name` as seen from the importing file, or None."""
        directory = importer.rpartition("/")[0]
        if directory and self.lookup(f"file:{directory}/__init__.py") is None:
            sibling = f"{directory.replace('/', '.')}.{name}"
            found = self.lookup(f"py:{sibling}")
            if found is not None:
                return found
        return self.lookup(f"py:{name}")

    def relative_base(self, importer: str, level: int) -> str | None:
        """Dotted package that a relative import of `level` dots starts from."""
        self.deps.add(f"meta:{importer}")
        module = self.files[importer].module
        parts = module.split(".") if module else []
        if not self.files[importer].is_package:
            parts = parts[:-1]
        drop = level - 1
        if drop > len(parts):
            return None
        return ".".join(parts[: len(parts) - drop])

    def js_module(self, importer: str, spec: str) -> str | None:
        """Path of the file a relative JS/TS specifier points at, trying the usual extensions."""
        base = PurePosixPath(importer).parent / spec
        normal = _normalise(str(base))
        if normal is None:
            return None
        for candidate in _js_candidates(normal):
            found = self.lookup(f"file:{candidate}") is not None
            if found and self.lookup(f"meta:{candidate}")[1] in JS_FAMILY:
                return candidate
        return None


def _normalise(path: str) -> str | None:
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _js_candidates(path: str) -> list[str]:
    stem = path
    for ext in (".js", ".jsx", ".mjs", ".cjs"):
        if path.endswith(ext):
            stem = path[: -len(ext)]
    candidates = [path]
    candidates += [stem + ext for ext in JS_EXTENSIONS]
    candidates += [f"{path}/index{ext}" for ext in JS_EXTENSIONS]
    return candidates
