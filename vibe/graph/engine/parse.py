"""Reading a file and parsing it with tree-sitter, turning bad input into a skip reason.

A file is skipped (never fatal) when it cannot be read, is too large, looks binary or is not
UTF-8; syntax errors do not skip a file: tree-sitter recovers and we index what parsed.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from tree_sitter import Node as TSNode
from tree_sitter import Parser, Query, QueryCursor, Tree

from vibe.graph.engine.languages import load

DEFAULT_MAX_FILE_BYTES = 1_000_000
BINARY_SNIFF_BYTES = 8192
MAX_ERRORS_KEPT = 20


class SkipFile(Exception):
    """Raised while loading a file that must be skipped; the message is the reason."""


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> bytes:
    """Bytes of a source file, or SkipFile with the reason it cannot be indexed."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SkipFile(f"too large ({size} bytes > {max_bytes})")
        data = path.read_bytes()
    except OSError as exc:
        raise SkipFile(f"unreadable: {exc.strerror or exc.__class__.__name__}") from exc
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        raise SkipFile("binary content")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SkipFile(f"not UTF-8 (byte {exc.start})") from exc
    return data


def content_hash(data: bytes) -> str:
    """Hash used to decide whether a file changed since it was last indexed."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@cache
def parser(language: str) -> Parser:
    """A parser for `language`, one per process (parsers are not shared across processes)."""
    return Parser(load(language))


@cache
def query(language: str, source: str) -> Query:
    """A compiled query; compiling is costly so each (language, text) is compiled once."""
    return Query(load(language), source)


def parse(language: str, data: bytes) -> Tree:
    """Parse bytes with the cached parser of `language`."""
    return parser(language).parse(data)


def captures(language: str, source: str, node: TSNode) -> dict[str, list[TSNode]]:
    """Run a (cached) query over `node` and return its captures by name."""
    return QueryCursor(query(language, source)).captures(node)


def syntax_errors(tree: Tree) -> list[str]:
    """Human-readable positions of ERROR/MISSING nodes, only when the tree has any."""
    root = tree.root_node
    if not root.has_error:
        return []
    found = captures_errors(root)
    return found[:MAX_ERRORS_KEPT] or ["syntax error"]


def captures_errors(root: TSNode) -> list[str]:
    errors: list[str] = []
    stack = [root]
    while stack and len(errors) < MAX_ERRORS_KEPT:
        node = stack.pop()
        if node.is_error or node.is_missing:
            what = "missing " + node.type if node.is_missing else "syntax error"
            errors.append(f"line {node.start_point.row + 1}: {what}")
            continue
        stack.extend(child for child in reversed(node.children) if child.has_error)
    return errors
