"""Names and choices: namespaced tool names, and which server serves a capability.

Tool names are ``<server>__<tool>``, only ``[A-Za-z0-9_-]`` (no ``:``, which breaks some
clients) and at most MAX_NAME characters, leaving room under the common 64-character limit for
the client's own prefix (``mcp__vibe__``). A name that is too long, or collides, is cut and ends
in a short hash of the original pair, so the mapping is stable and one-to-one.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

SEP = "__"
MAX_NAME = 52
HASH_LEN = 8
RESOURCE_PREFIX = "vibe+mcp://"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _digest(server: str, item: str) -> str:
    return hashlib.sha256(f"{server}\0{item}".encode()).hexdigest()[:HASH_LEN]


def namespaced(server: str, item: str, limit: int = MAX_NAME) -> str:
    """``server__item`` made safe and short; long names keep a hash of the full pair."""
    name = _UNSAFE.sub("_", f"{server}{SEP}{item}")
    if len(name) <= limit:
        return name
    return f"{name[: limit - HASH_LEN - 1]}_{_digest(server, item)}"


def build_names(
    pairs: Iterable[tuple[str, str]], limit: int = MAX_NAME
) -> dict[str, tuple[str, str]]:
    """Exposed name → (server, item) for every pair, with no two pairs sharing a name."""
    names: dict[str, tuple[str, str]] = {}
    for server, item in sorted(set(pairs)):
        name = namespaced(server, item, limit)
        if name in names:
            base = _UNSAFE.sub("_", f"{server}{SEP}{item}")[: limit - HASH_LEN - 1]
            name = f"{base}_{_digest(server, item)}"
        names[name] = (server, item)
    return names


def resource_uri(server: str, uri: str) -> str:
    return f"{RESOURCE_PREFIX}{server}/{quote(uri, safe='')}"


def split_resource_uri(uri: str) -> tuple[str, str] | None:
    if not uri.startswith(RESOURCE_PREFIX):
        return None
    server, _, rest = uri[len(RESOURCE_PREFIX) :].partition("/")
    return (server, unquote(rest)) if server and rest else None


def tool_allowed(allowed: list[str], denied: list[str], tool: str) -> bool:
    """Deny wins; an empty allow list allows everything not denied."""
    if tool in denied:
        return False
    return not allowed or tool in allowed


@dataclass
class Candidate:
    """What routing needs to know about one visible server."""

    id: int
    name: str
    tags: list[str]
    enabled: bool
    priority: int
    placement: str
    scope: str
    project_id: int | None
    status: str
    breaker: str
    latency_ms: float | None
    retry_in: float = 0.0
    error: str = ""
    read_only: bool = False
    allowed_tools: list[str] = field(default_factory=list)
    denied_tools: list[str] = field(default_factory=list)


@dataclass
class Verdict:
    candidate: Candidate
    eligible: bool
    reasons: list[str]
    rank: int | None = None

    def as_dict(self) -> dict[str, Any]:
        c = self.candidate
        return {
            "server": c.name,
            "id": c.id,
            "verdict": "chosen" if self.rank == 1 else ("eligible" if self.eligible else "skipped"),
            "rank": self.rank,
            "reasons": self.reasons,
            "priority": c.priority,
            "latency_ms": None if c.latency_ms is None else round(c.latency_ms, 2),
            "breaker": c.breaker,
            "status": c.status,
        }


def _skip_reasons(
    c: Candidate, capability: str, project_id: int | None, tool: str | None, need_write: bool
) -> list[str]:
    reasons = []
    if not c.enabled:
        reasons.append("disabled")
    if capability not in c.tags:
        reasons.append(f"missing capability '{capability}' (has: {', '.join(c.tags) or 'none'})")
    if c.scope == "project" and c.project_id != project_id:
        reasons.append(f"belongs to project {c.project_id}, not the one asked for")
    if c.status != "ready":
        reasons.append(f"not connected ({c.status}{': ' + c.error if c.error else ''})")
    if c.breaker == "open":
        reasons.append(f"breaker open (retry in {c.retry_in:.0f}s)")
    if tool is not None and not tool_allowed(c.allowed_tools, c.denied_tools, tool):
        reasons.append(f"tool '{tool}' denied by the server's allow/deny lists")
    if need_write and c.read_only:
        reasons.append("read-only server, and the request needs writes")
    return reasons


def _sort_key(c: Candidate, project_id: int | None) -> tuple[Any, ...]:
    own_project = c.scope == "project" and c.project_id == project_id
    latency = c.latency_ms if c.latency_ms is not None else math.inf
    return (not own_project, -c.priority, c.placement != "local", latency, c.name)


def explain(
    capability: str,
    candidates: list[Candidate],
    *,
    project_id: int | None = None,
    tool: str | None = None,
    need_write: bool = False,
) -> dict[str, Any]:
    """The routing decision for ``capability``, with the reasons for every candidate."""
    verdicts = []
    for c in candidates:
        reasons = _skip_reasons(c, capability, project_id, tool, need_write)
        verdicts.append(Verdict(c, eligible=not reasons, reasons=reasons))
    eligible = sorted(
        (v for v in verdicts if v.eligible), key=lambda v: _sort_key(v.candidate, project_id)
    )
    for rank, verdict in enumerate(eligible, start=1):
        verdict.rank = rank
        verdict.reasons = _ranking_reasons(verdict.candidate, rank, len(eligible), project_id)
    chosen = eligible[0].candidate if eligible else None
    ordered = eligible + [v for v in verdicts if not v.eligible]
    return {
        "capability": capability,
        "project_id": project_id,
        "chosen": None if chosen is None else {"id": chosen.id, "name": chosen.name},
        "candidates": [v.as_dict() for v in ordered],
    }


def _ranking_reasons(c: Candidate, rank: int, total: int, project_id: int | None) -> list[str]:
    latency = "not measured yet" if c.latency_ms is None else f"{c.latency_ms:.1f} ms average"
    reasons = [
        f"ranked {rank} of {total} eligible",
        f"priority {c.priority}",
        f"latency {latency}",
        f"placement {c.placement}",
    ]
    if c.scope == "project" and c.project_id == project_id:
        reasons.insert(1, "the project's own server (preferred over global ones)")
    return reasons


def choose(capability: str, candidates: list[Candidate], **kwargs: Any) -> int | None:
    """The id of the server to use for ``capability``, or None when none is eligible."""
    chosen = explain(capability, candidates, **kwargs)["chosen"]
    return None if chosen is None else int(chosen["id"])
