"""The audit trail of tool calls: who called what, how long it took, how it ended.

Arguments are stored only as a SHA-256 digest of their canonical JSON, and error texts have the
server's secret values and anything that looks like a token masked before they are written.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import anyio
from sqlalchemy import bindparam, insert
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col, select

from vibe.core.db import utcnow
from vibe.orchestrator.models import McpAudit

log = logging.getLogger("vibe.mcp")

REDACTED = "[redacted]"
FLUSH_SECONDS = 0.5
_TOKENISH = re.compile(
    r"(?i)(bearer\s+[A-Za-z0-9._~+/=-]+|vibe_[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|hf_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9_-]{16,})"
)


def args_digest(arguments: dict[str, Any] | None) -> str:
    canonical = json.dumps(arguments or {}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def redact(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Mask the given secret values and token-looking strings."""
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _TOKENISH.sub(REDACTED, text)


def values(
    *,
    user_id: int | None,
    server_id: int | None,
    server_name: str,
    tool: str,
    arguments: dict[str, Any] | None,
    duration_ms: float,
    outcome: str,
    error: str = "",
    secrets: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The column values of one audit row: digested arguments, redacted and trimmed texts."""
    return {
        "at": utcnow(),
        "user_id": user_id,
        "server_id": server_id,
        "server_name": server_name[:40],
        "tool": tool[:500],
        "args_sha256": args_digest(arguments),
        "duration_ms": round(duration_ms, 3),
        "outcome": outcome,
        "error": redact(error, secrets)[:1000] if error else "",
    }


COLUMNS = (
    "at", "user_id", "server_id", "server_name", "tool", "args_sha256", "duration_ms", "outcome",
    "error",
)  # fmt: skip


def record_many(*, session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert many rows of :func:`values` in one executemany on the DBAPI cursor of the
    session's connection (so in its transaction). The statement is compiled once per dialect:
    SQLAlchemy's bulk insert would work out the statement and each row's parameters again on
    every batch, which cost more than the insert itself at gateway rates."""
    if not rows:
        return
    connection = session.connection()
    statement = _compiled_insert(connection.dialect)
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(statement.sql, [statement.parameters(row) for row in rows])
    finally:
        cursor.close()


@dataclass(frozen=True)
class _Insert:
    """The audit INSERT in a dialect's SQL, and how a row of :func:`values` becomes its
    parameters (the columns' own bind processing, e.g. SQLite's datetime text)."""

    sql: str
    keys: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    positional: bool

    def parameters(self, row: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        converted = [
            row[key] if process is None else process(row[key])
            for key, process in zip(self.keys, self.processors, strict=True)
        ]
        return tuple(converted) if self.positional else dict(zip(self.keys, converted, strict=True))


@lru_cache(maxsize=8)
def _compiled_insert(dialect: Dialect) -> _Insert:
    table = McpAudit.__table__  # type: ignore[attr-defined]
    statement = insert(table).values({name: bindparam(name) for name in COLUMNS})
    compiled = statement.compile(dialect=dialect)
    keys = tuple(compiled.positiontup or ()) if compiled.positional else COLUMNS
    processors = tuple(
        table.c[key].type.dialect_impl(dialect).bind_processor(dialect) for key in keys
    )
    return _Insert(compiled.string, keys, processors, compiled.positional)


def recent(*, session: Session, user_id: int | None = None, limit: int = 100) -> list[McpAudit]:
    query = select(McpAudit).order_by(col(McpAudit.id).desc()).limit(limit)
    if user_id is not None:
        query = query.where(McpAudit.user_id == user_id)
    return list(session.exec(query).all())


class AuditQueue:
    """Rows written off the call path: at most one transaction per ``delay`` seconds.

    A call only appends to a list; a task started by the first row of a batch waits ``delay``,
    then writes everything queued in a worker thread. Under load that is one commit for many
    calls instead of one each. ``flush`` writes what is queued at once (shutdown, tests).
    """

    def __init__(self, write: Callable[[list[Any]], None], delay: float = FLUSH_SECONDS) -> None:
        self.write = write
        self.delay = delay
        self._rows: list[Any] = []
        self._task: asyncio.Task[None] | None = None
        self._now = asyncio.Event()

    def put(self, row: Any) -> None:
        self._rows.append(row)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._rows:
            with anyio.move_on_after(self.delay):
                await self._now.wait()
            batch, self._rows = self._rows, []
            try:
                await anyio.to_thread.run_sync(self.write, batch)
            except Exception:
                log.exception("could not write %d MCP audit rows", len(batch))

    async def flush(self) -> None:
        """Write every queued row now and wait until it is written."""
        self._now.set()
        try:
            while self._task is not None and not self._task.done():
                await asyncio.shield(self._task)
        finally:
            self._now = asyncio.Event()
