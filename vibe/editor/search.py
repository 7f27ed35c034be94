"""Project-wide text search: plain text or regular expression, with include/exclude globs.

Bounded on every axis (files looked at, bytes per file, hits, time) so one search cannot stall
the server; the result says when a limit cut it short. Binary files and files over the editor's
size limit are skipped, symlinks are never followed.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from vibe.core.config import get_settings
from vibe.core.errors import ValidationFailed
from vibe.projects.tree import list_tree
from vibe.projects.workspace import sniff

DEFAULT_MAX_HITS = 500
DEFAULT_MAX_FILES = 5000
DEFAULT_TIME_BUDGET_SECONDS = 5.0
MAX_QUERY_CHARS = 500
PREVIEW_CHARS = 160


@dataclass(frozen=True)
class SearchHit:
    path: str
    line: int  # 1-based
    column: int  # 1-based
    preview: str


@dataclass
class SearchResult:
    hits: list[SearchHit] = field(default_factory=list)
    files_searched: int = 0
    files_matched: int = 0
    truncated: bool = False  # a limit stopped the search early


def _glob_regex(glob: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def parse_globs(text: str) -> list[re.Pattern[str]]:
    """Comma- or space-separated globs; one without '/' matches any file or folder name."""
    patterns = []
    for raw in re.split(r"[,\s]+", text.strip()):
        glob = raw.strip().strip("/") if raw.strip().endswith("/") else raw.strip()
        if not glob:
            continue
        if "/" not in glob:
            glob = f"**/{glob}"
        patterns.append(_glob_regex(glob))
    return patterns


def path_matches(path: str, patterns: list[re.Pattern[str]]) -> bool:
    """True if the path, or one of the folders it is in, matches a pattern."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(p.match(prefix) for p in patterns for prefix in prefixes)


def compile_query(query: str, *, regex: bool, case_sensitive: bool) -> re.Pattern[str]:
    if not query:
        raise ValidationFailed("type something to search for")
    if len(query) > MAX_QUERY_CHARS:
        raise ValidationFailed(f"the search is longer than {MAX_QUERY_CHARS} characters")
    flags = 0 if case_sensitive else re.IGNORECASE
    try:
        return re.compile(query if regex else re.escape(query), flags)
    except re.error as exc:
        raise ValidationFailed(f"not a valid regular expression: {exc}") from None


def _preview(line: str, start: int) -> str:
    text = line.rstrip("\r\n")
    if len(text) <= PREVIEW_CHARS:
        return text
    begin = max(0, start - PREVIEW_CHARS // 3)
    clip = text[begin : begin + PREVIEW_CHARS]
    return ("…" if begin else "") + clip + ("…" if begin + PREVIEW_CHARS < len(text) else "")


def search_workspace(
    root: Path,
    query: str,
    *,
    regex: bool = False,
    case_sensitive: bool = False,
    include: str = "",
    exclude: str = "",
    max_hits: int = DEFAULT_MAX_HITS,
    max_files: int = DEFAULT_MAX_FILES,
    time_budget: float = DEFAULT_TIME_BUDGET_SECONDS,
) -> SearchResult:
    """Every line under ``root`` matching ``query`` (one hit per line), in path order."""
    pattern = compile_query(query, regex=regex, case_sensitive=case_sensitive)
    wanted, unwanted = parse_globs(include), parse_globs(exclude)
    base = root.resolve()
    listing = list_tree(base, base, limit=max_files)
    result = SearchResult(truncated=listing.truncated)
    deadline = time.monotonic() + time_budget
    limit = get_settings().max_file_bytes
    for entry in listing.entries:
        if entry.kind != "file" or entry.size > limit:
            continue
        if wanted and not path_matches(entry.path, wanted):
            continue
        if unwanted and path_matches(entry.path, unwanted):
            continue
        if time.monotonic() > deadline or len(result.hits) >= max_hits:
            result.truncated = True
            break
        _search_file(base, entry.path, pattern, result, max_hits)
    return result


def _search_file(
    base: Path, rel: str, pattern: re.Pattern[str], result: SearchResult, max_hits: int
) -> None:
    try:
        data = (base / rel).read_bytes()
    except OSError:
        return
    binary, _ = sniff(data)
    if binary:
        return
    result.files_searched += 1
    found = False
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        match = pattern.search(line)
        if match is None:
            continue
        found = True
        result.hits.append(SearchHit(rel, number, match.start() + 1, _preview(line, match.start())))
        if len(result.hits) >= max_hits:
            result.truncated = True
            break
    result.files_matched += found
