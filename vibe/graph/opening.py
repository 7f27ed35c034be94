"""What a fresh explorer page asks for first, kept on disk once per graph generation.

Every explorer page opens on the unfiltered overview and fills its filter controls from the
graph's languages and folders. Building those means loading the whole graph (for a 5K element
overview about a third of a second of CPU, more for bigger graphs), and the first visit after an
index paid it while the browser was busiest starting the page. The indexing job now prepares
both right after it stores a generation; a visit that finds none (a findings scan or a coverage
import bumped the generation, or the index predates this file) builds them once and leaves them
here for every later visit, from any process, restarts included.

One JSON file per (database, index) under ``<data_dir>/graph-views/``, holding the generation it
was built for; a file of another generation is ignored and replaced.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from sqlmodel import Session

from vibe.core.config import get_settings
from vibe.core.files import write_json_atomic
from vibe.graph.models import GraphIndexRow

KEPT = 8  # parsed files kept in memory (a few hundred KB each for the biggest views)
_parsed: dict[Path, tuple[tuple[int, int], Any]] = {}
_lock = threading.Lock()


def _file(session: Session, index_id: int) -> Path:
    # Index ids restart in every database, and tests (or a move to PostgreSQL) may point several
    # at one data folder: the database is part of the name.
    url = session.get_bind().url.render_as_string(hide_password=True)
    database = hashlib.sha256(url.encode()).hexdigest()[:12]
    return get_settings().data_dir / "graph-views" / database / f"{index_id}.json"


def read(session: Session, row: GraphIndexRow) -> dict[str, Any] | None:
    """The stored `{"view": ..., "facets": ...}` of `row`'s current generation, or None.

    Callers must not change it: a visit reads it twice (its opening view, its page's facets),
    so the parsed file is kept until the file changes."""
    path = _file(session, row.id or 0)
    try:
        info = path.stat()
    except OSError:
        return None
    stamp = (info.st_ino, info.st_mtime_ns)  # each write renames a new file over the old
    with _lock:
        memo = _parsed.get(path)
    if memo is not None and memo[0] == stamp:
        stored = memo[1]
    else:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        with _lock:
            _parsed[path] = (stamp, stored)
            while len(_parsed) > KEPT:
                _parsed.pop(next(iter(_parsed)))
    if not isinstance(stored, dict) or stored.get("generation") != row.generation:
        return None
    if not isinstance(stored.get("view"), dict) or not isinstance(stored.get("facets"), dict):
        return None
    return stored


def write(session: Session, row: GraphIndexRow, view: dict[str, Any], facets: dict) -> None:
    """Store what was built for `row`'s current generation (atomically: readers never see half)."""
    body = {"generation": row.generation, "view": view, "facets": facets}
    write_json_atomic(_file(session, row.id or 0), body)
