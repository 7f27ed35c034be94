"""Node positions of the explorer's views, laid out once and shared by every visitor.

A browser that had to lay a view out stores the positions here; the next visit to that view,
from any browser, starts from them instead of running the layout again. One JSON file per
(index, view key) under ``<data_dir>/graph-layouts/<index id>/``, holding the generation of the
graph it was computed for. A newer generation (the graph changed) still reads the older
positions as a seed: the nodes that remain keep their place, the browser places and settles the
new ones and stores the result under the new generation, which replaces the old file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

from vibe.core.config import get_settings
from vibe.core.files import write_json_atomic

MAX_POSITIONS = 20_000  # per view key: the 5K element budget plus what expanding adds
EXACT, SEEDED, NONE = "exact", "seeded", "none"
Positions = dict[str, tuple[float, float]]

_lock = threading.Lock()


def _folder(index_id: int) -> Path:
    return get_settings().data_dir / "graph-layouts" / str(index_id)


def _file(index_id: int, key: str) -> Path:
    return _folder(index_id) / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def read(index_id: int, key: str, generation: int, ids: Iterable[str]) -> tuple[Positions, str]:
    """The stored positions of `ids` in the view `key`, and whether they were computed for this
    very `generation` (exact), an older one (seeded) or not at all (none)."""
    stored = _load(_file(index_id, key))
    saved = stored.get("positions") or {}
    if stored.get("key") != key or not saved or stored.get("generation", 0) > generation:
        return {}, NONE
    found = {i: tuple(saved[i]) for i in ids if i in saved}
    state = EXACT if stored["generation"] == generation else SEEDED
    return found, (state if found else NONE)  # type: ignore[return-value]


def save(index_id: int, key: str, generation: int, positions: Positions) -> bool:
    """Merge `positions` into the view's stored layout; False when a newer one is stored."""
    path = _file(index_id, key)
    with _lock:
        stored = _load(path)
        if stored.get("generation", 0) > generation:
            return False
        merged = dict(stored.get("positions") or {}) if stored.get("key") == key else {}
        merged.update({i: [round(x, 1), round(y, 1)] for i, (x, y) in positions.items()})
        if len(merged) > MAX_POSITIONS:
            merged = {i: [round(x, 1), round(y, 1)] for i, (x, y) in positions.items()}
        write_json_atomic(path, {"key": key, "generation": generation, "positions": merged})
    return True


def clear(index_id: int) -> None:
    """Forget every stored layout of the index (the next visits lay their views out again)."""
    shutil.rmtree(_folder(index_id), ignore_errors=True)
