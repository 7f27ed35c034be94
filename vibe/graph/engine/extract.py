"""Per-file extraction: read, parse, and run the extractor for the file's language.

This is the unit of work that runs in worker processes; it takes only a root and a relative
path and returns plain data, so it is trivially parallel and cacheable by content hash.
"""

from __future__ import annotations

from pathlib import Path

from vibe.graph.engine.generic_extract import extract_structure
from vibe.graph.engine.ids import module_qname
from vibe.graph.engine.js_extract import extract_js
from vibe.graph.engine.languages import GRAMMARS, JS_FAMILY, language_for
from vibe.graph.engine.model import FileResult, Skipped, seal
from vibe.graph.engine.parse import (
    DEFAULT_MAX_FILE_BYTES,
    SkipFile,
    content_hash,
    parse,
    read_source,
    syntax_errors,
)
from vibe.graph.engine.python_extract import extract_python


def extract_file(
    root: Path, rel: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> FileResult | Skipped:
    """Extract one file (root-relative POSIX path), or say why it was skipped."""
    language = language_for(rel)
    if language is None:
        return Skipped(rel, "unsupported language")
    try:
        data = read_source(root / rel, max_bytes)
    except SkipFile as exc:
        return Skipped(rel, str(exc))
    return extract_source(rel, language, data)


def extract_source(rel: str, language: str, data: bytes) -> FileResult:
    """Extract already-read source bytes; bugs in an extractor become a recorded error."""
    module, is_package = module_qname(rel)
    result = FileResult(rel, language, content_hash(data), len(data), module, is_package)
    tree = parse(language, data)
    result.errors = syntax_errors(tree)
    try:
        _run_extractor(result, tree.root_node)
    except RecursionError:
        result.errors.append("nesting too deep: extraction stopped")
    seal(result)
    return result


def _run_extractor(result: FileResult, root) -> None:
    if result.language == "python":
        extract_python(result, root)
    elif result.language in JS_FAMILY:
        extract_js(result, root)
    elif not GRAMMARS[result.language].full:
        extract_structure(result, root)
