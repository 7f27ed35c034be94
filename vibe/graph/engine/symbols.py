"""The global symbol table: which file answers a module name or a path, with dependency tracking.

Every cross-file fact the resolver uses is reached through `lookup()`, which records the key it
asked for (found or not). A file's recorded keys are exactly what its resolution depends on,
so after an edit only files whose keys changed value need re-resolving; that is what keeps an
incremental update equal to a clean re-index.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath

from vibe.graph.engine.languages import JS_FAMILY
from vibe.graph.engine.model import FileResult

SOURCE_ROOT_DIRS = frozenset({"src", "lib", "python"})
JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")


def symbol_keys(files: Mapping[str, FileResult]) -> dict[str, str]:
    """All lookup keys and what they currently mean: `file:<path>` → hash, `py:<name>` → path."""
    keys: dict[str, str] = {f"file:{path}": result.content_hash for path, result in files.items()}
    python = sorted(
        (path for path, result in files.items() if result.language == "python"),
        key=lambda path: (path.endswith(".pyi"), path),
    )
    for path in python:
        keys.setdefault(f"py:{files[path].module}", path)
    packages = {str(PurePosixPath(path).parent) for path in python if _is_init(path)}
    aliases: dict[str, set[str]] = {}
    for path in python:
        alias = _import_alias(files[path].module, path, packages)
        if alias and f"py:{alias}" not in keys:
            aliases.setdefault(alias, set()).add(path)
    for alias, paths in aliases.items():
        if len(paths) == 1:
            keys[f"py:{alias}"] = next(iter(paths))
    return keys


def _is_init(path: str) -> bool:
    return PurePosixPath(path).stem == "__init__"


def _import_alias(module: str, path: str, packages: set[str]) -> str:
    """Name under a `src/`-style source root (`src/pkg/mod.py` → `pkg.mod`), or ``""``."""
    parts = PurePosixPath(path).parts
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] in SOURCE_ROOT_DIRS and "/".join(parts[: i + 1]) not in packages:
            return ".".join(module.split(".")[i + 1 :])
    return ""


class SymbolTable:
    """Answers module and file lookups for the resolver and records what was asked."""

    def __init__(self, files: Mapping[str, FileResult], keys: Mapping[str, str]) -> None:
        self.files = files
        self.keys = keys
        self.deps: set[str] = set()

    def lookup(self, key: str) -> str | None:
        """Value of a key (recorded as a dependency whether or not it exists)."""
        self.deps.add(key)
        found = self.keys.get(key)
        if found is not None and key.startswith("py:"):
            self.deps.add(f"file:{found}")
        return found

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
            if found and self.files[candidate].language in JS_FAMILY:
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
