"""What the AI panel shows of messages, proposals and the context report (plain data)."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass
class ProposalRow:
    id: int = 0
    path: str = ""
    status: str = ""
    reason: str = ""
    applied_id: int = 0
    added: int = 0
    removed: int = 0


@dataclasses.dataclass
class MessageRow:
    id: int = 0
    role: str = "assistant"
    content: str = ""
    status: str = ""
    error: str = ""
    meta: str = ""
    proposals: list[ProposalRow] = dataclasses.field(default_factory=list)


def proposal_row(p: dict[str, Any]) -> ProposalRow:
    lines = p.get("diff", "").splitlines()
    added = sum(1 for ln in lines if ln.startswith("+") and not ln.startswith("+++"))
    removed = sum(1 for ln in lines if ln.startswith("-") and not ln.startswith("---"))
    return ProposalRow(
        p["id"], p["path"], p["status"], p["reason"], p.get("applied_id") or 0, added, removed
    )


def failure_text(m: dict[str, Any]) -> str:
    """One line per provider that failed, or the message's error."""
    attempts = m.get("attempts") or []
    if attempts and not m.get("content"):
        return "\n".join(f"{a['provider']} ({a['model']}): {a['error']}" for a in attempts)
    return m.get("error") or ""


def message_row(m: dict[str, Any]) -> MessageRow:
    meta = ""
    if m["role"] == "assistant" and m.get("provider_name"):
        approx = " (estimated)" if m.get("usage_estimated") else ""
        tokens = f"{m['prompt_tokens']:,} in · {m['completion_tokens']:,} out{approx}"
        meta = f"{m['provider_name']} · {m['model']} · {tokens}"
        if m["status"] == "stopped":
            meta += " · stopped"
    return MessageRow(
        id=m["id"],
        role=m["role"],
        content=m["content"],
        status=m["status"],
        error=failure_text(m),
        meta=meta,
        proposals=[proposal_row(p) for p in m.get("proposals", [])],
    )


def part_row(p: dict[str, Any]) -> dict[str, str]:
    state = "truncated" if p["truncated"] else ("included" if p["included"] else "left out")
    return {
        "kind": p["kind"],
        "label": p["label"],
        "tokens": f"{p['tokens']:,}",
        "state": state,
        "note": p.get("note") or "",
    }
