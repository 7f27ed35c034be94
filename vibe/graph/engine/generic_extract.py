"""Structure-only extraction (definitions, no resolution) for every other installed grammar.

It reuses each grammar's own `tags.scm` query, so a new grammar wheel adds a language without
code: `@definition.class/function/method/...` give the definitions, `@name` their names.
"""

from __future__ import annotations

from tree_sitter import Node as TSNode
from tree_sitter import QueryCursor

from vibe.graph.engine.languages import tags_query_source
from vibe.graph.engine.model import Definition, FileResult
from vibe.graph.engine.parse import query
from vibe.graph.engine.pyexpr import text

KIND_OF_TAG = {
    "definition.class": "class",
    "definition.interface": "class",
    "definition.struct": "class",
    "definition.enum": "class",
    "definition.type": "class",
    "definition.trait": "class",
    "definition.module": "class",
    "definition.function": "function",
    "definition.method": "method",
    "definition.macro": "function",
}
MAX_SIGNATURE = 300


def extract_structure(result: FileResult, root: TSNode) -> None:
    """Fill `result.defs` with the definitions the grammar's tags query finds, nested by range."""
    source = tags_query_source(result.language)
    if not source:
        return
    found = []
    for _, match in QueryCursor(query(result.language, source)).matches(root):
        tag = next((t for t in match if t in KIND_OF_TAG), None)
        names = match.get("name")
        if tag is None or not names:
            continue
        node = match[tag][0]
        found.append((node.start_byte, -node.end_byte, KIND_OF_TAG[tag], text(names[0]), node))
    found.sort(key=lambda item: (item[0], item[1]))
    _nest(result, found)


def _nest(result: FileResult, found: list) -> None:
    stack: list[tuple[int, str]] = []
    seen: set[tuple[int, int]] = set()
    for start, neg_end, kind, name, node in found:
        if (start, neg_end) in seen:
            continue
        seen.add((start, neg_end))
        while stack and start >= stack[-1][0]:
            stack.pop()
        parent = stack[-1][1] if stack else result.module
        qname = f"{parent}.{name}" if parent else name
        first_line = text(node, limit=MAX_SIGNATURE).split("\n", 1)[0]  # small: cut in C
        result.defs.append(
            Definition(
                qname,
                kind,
                name,
                node.start_point.row + 1,
                node.end_point.row + 1,
                first_line.strip(),
            )
        )
        stack.append((node.end_byte, qname))
