"""The audit trail's batched insert: the same rows as the ORM writes, in the caller's
transaction, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from vibe.orchestrator import audit
from vibe.orchestrator.models import McpAudit


def fields(i: int, error: str = "") -> dict:
    return {
        "user_id": None,
        "server_id": None,
        "server_name": "echo",
        "tool": f"tool{i}",
        "arguments": {"text": f"ping {i}", "n": i},
        "duration_ms": 1.23456 * i,
        "outcome": "ok" if not error else "error",
        "error": error,
        "secrets": ("s3cret-value",),
    }


def columns(row: McpAudit) -> tuple:
    return (
        row.server_name,
        row.tool,
        row.args_sha256,
        row.duration_ms,
        row.outcome,
        row.error,
        row.at.replace(tzinfo=row.at.tzinfo or UTC),
    )


def test_record_many_writes_what_the_orm_writes(session: Session) -> None:
    for i in range(3):
        session.add(McpAudit(**audit.values(**fields(i, "boom s3cret-value"))))
    session.commit()
    batch = [audit.values(**fields(i, "boom s3cret-value")) for i in range(3)]
    audit.record_many(session=session, rows=batch)
    session.commit()
    stored = list(session.exec(select(McpAudit).order_by(McpAudit.id)).all())
    assert len(stored) == 6
    by_orm, by_batch = stored[:3], stored[3:]
    for written, raw, row in zip(by_orm, batch, by_batch, strict=True):
        assert columns(row)[:6] == columns(written)[:6]
        assert row.error == "boom [redacted]"
        assert abs(columns(row)[6] - raw["at"]).total_seconds() < 1e-3
        assert isinstance(row.at, datetime)


def test_record_many_rolls_back_with_the_transaction(session: Session) -> None:
    audit.record_many(session=session, rows=[audit.values(**fields(1))])
    session.rollback()
    assert session.exec(select(McpAudit)).all() == []


def test_record_many_of_nothing_opens_nothing(session: Session) -> None:
    audit.record_many(session=session, rows=[])
    assert not session.in_transaction()


def test_values_leave_an_empty_error_empty() -> None:
    assert audit.values(**fields(1))["error"] == ""
    assert audit.values(**fields(1, "Bearer abcdef123"))["error"] == "[redacted]"
