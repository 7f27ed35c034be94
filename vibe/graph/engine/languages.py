"""Which grammar parses which file.

Grammars come from per-language wheels (`tree-sitter-python`, ...) that ship compiled parsers, so
nothing is ever downloaded at run time. A grammar whose wheel is missing is simply not offered.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from tree_sitter import Language


@dataclass(frozen=True, slots=True)
class Grammar:
    """A language we can parse: its wheel module, the entry point, and how deep we extract."""

    name: str
    module: str
    entry: str = "language"
    full: bool = False  # full depth (scopes, calls, resolution) vs structure only


GRAMMARS: dict[str, Grammar] = {
    g.name: g
    for g in (
        Grammar("python", "tree_sitter_python", full=True),
        Grammar("javascript", "tree_sitter_javascript", full=True),
        Grammar("typescript", "tree_sitter_typescript", "language_typescript", full=True),
        Grammar("tsx", "tree_sitter_typescript", "language_tsx", full=True),
        Grammar("go", "tree_sitter_go"),
        Grammar("rust", "tree_sitter_rust"),
        Grammar("java", "tree_sitter_java"),
        Grammar("c", "tree_sitter_c"),
        Grammar("cpp", "tree_sitter_cpp"),
        Grammar("c_sharp", "tree_sitter_c_sharp"),
        Grammar("ruby", "tree_sitter_ruby"),
        Grammar("php", "tree_sitter_php", "language_php"),
        Grammar("bash", "tree_sitter_bash"),
    )
}

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".cs": "c_sharp",
    ".rb": "ruby",
    ".php": "php",
    ".sh": "bash",
    ".bash": "bash",
}

JS_FAMILY = frozenset({"javascript", "typescript", "tsx"})


def language_for(path: str) -> str | None:
    """Language name for a file path, or None when we have no grammar for it."""
    dot = path.rfind(".")
    if dot < 0:
        return None
    name = EXTENSIONS.get(path[dot:].lower())
    return name if name is not None and available(name) else None


@cache
def available(name: str) -> bool:
    """True when the grammar wheel for `name` is installed."""
    try:
        load(name)
    except (ImportError, AttributeError):
        return False
    return True


@cache
def load(name: str) -> Language:
    """The tree-sitter Language for `name` (cached per process)."""
    grammar = GRAMMARS[name]
    module = importlib.import_module(grammar.module)
    return Language(getattr(module, grammar.entry)())


@cache
def tags_query_source(name: str) -> str:
    """The grammar's own tags query (definitions), used for structure-only languages."""
    module = importlib.import_module(GRAMMARS[name].module)
    return str(getattr(module, "TAGS_QUERY", ""))


def supported() -> list[str]:
    """Names of the languages whose grammar is installed."""
    return [name for name in GRAMMARS if available(name)]
