"""The audit trail of tool calls: who called what, how long it took, how it ended.

Arguments are stored only as a SHA-256 digest of their canonical JSON, and error texts have the
server's secret values and anything that looks like a token masked before they are written.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from sqlmodel import Session, col, select

from vibe.orchestrator.models import McpAudit

REDACTED = "[redacted]"
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


def record(
    *,
    session: Session,
    user_id: int | None,
    server_id: int | None,
    server_name: str,
    tool: str,
    arguments: dict[str, Any] | None,
    duration_ms: float,
    outcome: str,
    error: str = "",
    secrets: tuple[str, ...] = (),
) -> McpAudit:
    row = McpAudit(
        user_id=user_id,
        server_id=server_id,
        server_name=server_name[:40],
        tool=tool[:500],
        args_sha256=args_digest(arguments),
        duration_ms=round(duration_ms, 3),
        outcome=outcome,
        error=redact(error, secrets)[:1000],
    )
    session.add(row)
    return row


def recent(*, session: Session, user_id: int | None = None, limit: int = 100) -> list[McpAudit]:
    query = select(McpAudit).order_by(col(McpAudit.id).desc()).limit(limit)
    if user_id is not None:
        query = query.where(McpAudit.user_id == user_id)
    return list(session.exec(query).all())
