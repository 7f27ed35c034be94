"""What the model is shown for one chat turn, within a token budget that the user can see.

Parts, most important first: the selection, the current file, pinned files, the code graph
around the symbol at the cursor (callers, callees, imports), then earlier turns of the
conversation (newest first). The instructions and the question always go in; the rest is given
space in that order, so the least important parts are truncated or dropped first. Tokens are
estimated as characters / 4: no tokenizer can be fetched at run time, and this is close enough
to keep a request under a model's window.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field

from sqlmodel import Session

from vibe.assistant.edits import EDIT_INSTRUCTIONS
from vibe.assistant.schemas import ContextPartInfo, ContextReport, ContextRequest, CurrentFile
from vibe.auth.models import User
from vibe.core.config import get_settings
from vibe.core.errors import ValidationFailed, VibeError
from vibe.projects.workspace import FileContent, Workspace, open_workspace

log = logging.getLogger("vibe.assistant")

CHARS_PER_TOKEN = 4
MIN_USEFUL_TOKENS = 64
GRAPH_LIMIT = 15
SYSTEM_PROMPT = (
    "You are the coding assistant of Vibe, a browser IDE. You see parts of the user's project "
    "below. Answer precisely; when you change code, follow the edit format exactly.\n\n"
    + EDIT_INSTRUCTIONS
)


def estimate_tokens(text: str) -> int:
    """Approximate tokens: one per four characters, rounded up."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


@dataclass
class Part:
    kind: str
    label: str
    text: str
    focus_line: int | None = None  # keep the lines around it when truncating
    note: str = ""


@dataclass
class BuiltContext:
    system: str
    messages: list[dict[str, str]]
    report: ContextReport
    versions: dict[str, str | None] = field(default_factory=dict)


def build_context(
    user: User,
    project_id: int,
    request: ContextRequest,
    *,
    question: str,
    history: list[tuple[str, str]],
    session: Session,
) -> BuiltContext:
    """The system prompt, the messages to send and the report of how the budget was used."""
    budget = request.budget_tokens or get_settings().assistant_context_tokens
    required = estimate_tokens(SYSTEM_PROMPT) + estimate_tokens(question)
    if required > budget:
        raise ValidationFailed(
            f"the instructions and your message need about {required} tokens but the context "
            f"budget is {budget}; shorten the message or raise the budget"
        )
    ws = open_workspace(project_id)
    versions: dict[str, str | None] = {}
    parts, skipped = _file_parts(ws, request, versions)
    graph_status = "off"
    if request.include_graph and request.current_file is not None:
        graph_text, graph_status = graph_neighbourhood(
            user, project_id, request.current_file, session=session
        )
        if graph_text:
            parts.append(Part("graph", "code graph around the cursor", graph_text))
    infos = [_required_info("instructions", SYSTEM_PROMPT), _required_info("question", question)]
    kept, infos_parts, used = _fit(parts, budget - required)
    turns, infos_history, used_history = _fit_history(history, budget - required - used)
    infos += infos_parts + infos_history + skipped
    content = "\n\n".join([*(_render(p) for p in kept), question])
    report = ContextReport(
        budget_tokens=budget,
        used_tokens=required + used + used_history,
        parts=infos,
        versions=versions,
        graph=graph_status,
    )
    messages = _alternating([*turns, ("user", content)])
    return BuiltContext(SYSTEM_PROMPT, messages, report, versions)


# -- files ----------------------------------------------------------------------------------------
def _file_parts(
    ws: Workspace, request: ContextRequest, versions: dict[str, str | None]
) -> tuple[list[Part], list[ContextPartInfo]]:
    parts: list[Part] = []
    skipped: list[ContextPartInfo] = []
    current = request.current_file
    if current is not None:
        file, why = _read(ws, current.path)
        if file is None:
            skipped.append(_skipped("current_file", current.path, why))
        else:
            versions[file.path] = file.version
            parts += _current_parts(file, current)
    for path in dict.fromkeys(request.pinned):
        file, why = _read(ws, path)
        if file is None:
            skipped.append(_skipped("pinned", path, why))
        elif file.path not in versions:
            versions[file.path] = file.version
            parts.append(Part("pinned", file.path, file.text or ""))
    return parts, skipped


def _read(ws: Workspace, path: str) -> tuple[FileContent | None, str]:
    try:
        file = ws.read(path)
    except VibeError as exc:
        return None, exc.message
    if file.text is None:
        return None, "binary file, not shown"
    return file, ""


def _current_parts(file: FileContent, current: CurrentFile) -> list[Part]:
    text = file.text or ""
    focus = current.cursor_line
    parts = []
    if current.selection is not None:
        lines = text.splitlines()
        start, end = sorted((current.selection.start_line, current.selection.end_line))
        chosen = "\n".join(lines[start - 1 : end])
        label = f"selection in {file.path} (lines {start}-{end})"
        parts.append(Part("selection", label, chosen))
        focus = focus or start
    where = f", cursor at line {focus}" if focus else ""
    label = f"current file {file.path} (version {file.version[:12]}{where})"
    parts.append(Part("current_file", label, text, focus_line=focus))
    return parts


def _skipped(kind: str, label: str, why: str) -> ContextPartInfo:
    return ContextPartInfo(
        kind=kind,
        label=label,
        tokens=0,
        original_tokens=0,
        included=False,
        truncated=False,
        note=why,
    )


def _required_info(kind: str, text: str) -> ContextPartInfo:
    tokens = estimate_tokens(text)
    return ContextPartInfo(
        kind=kind, label=kind, tokens=tokens, original_tokens=tokens, included=True, truncated=False
    )


# -- fitting into the budget ----------------------------------------------------------------------
def _fit(parts: list[Part], room: int) -> tuple[list[Part], list[ContextPartInfo], int]:
    """Give each part, most important first, what is left of ``room``; truncate or drop."""
    kept, infos, used = [], [], 0
    for part in parts:
        full = estimate_tokens(_render(part))
        left = room - used
        if full <= left:
            shown, truncated = part, False
        elif left >= MIN_USEFUL_TOKENS and part.kind != "graph":
            shown, truncated = _truncate(part, left), True
        else:
            infos.append(
                ContextPartInfo(
                    kind=part.kind,
                    label=part.label,
                    tokens=0,
                    original_tokens=full,
                    included=False,
                    truncated=False,
                    note="left out: over the token budget",
                )
            )
            continue
        tokens = estimate_tokens(_render(shown))
        used += tokens
        kept.append(shown)
        infos.append(
            ContextPartInfo(
                kind=part.kind,
                label=part.label,
                tokens=tokens,
                original_tokens=full,
                included=True,
                truncated=truncated,
                note=shown.note,
            )
        )
    return kept, infos, used


def _truncate(part: Part, tokens: int) -> Part:
    """The lines around the focus line (or the first lines) that fit in ``tokens``."""
    lines = part.text.splitlines()
    overhead = estimate_tokens(_render(Part(part.kind, part.label, ""))) + 24
    room = max(tokens - overhead, 1) * CHARS_PER_TOKEN
    centre = min(max((part.focus_line or 1) - 1, 0), max(len(lines) - 1, 0))
    lo = hi = centre
    size = len(lines[centre]) + 1 if lines else 0
    while size <= room and (lo > 0 or hi < len(lines) - 1):
        if hi < len(lines) - 1 and (hi - centre <= centre - lo or lo == 0):
            nxt = hi + 1
            if size + len(lines[nxt]) + 1 > room:
                break
            hi, size = nxt, size + len(lines[nxt]) + 1
        else:
            nxt = lo - 1
            if size + len(lines[nxt]) + 1 > room:
                break
            lo, size = nxt, size + len(lines[nxt]) + 1
    text = "\n".join(lines[lo : hi + 1])[:room]
    note = f"truncated: lines {lo + 1}-{hi + 1} of {len(lines)} shown"
    return Part(part.kind, part.label, text, part.focus_line, note)


def _fit_history(
    history: list[tuple[str, str]], room: int
) -> tuple[list[tuple[str, str]], list[ContextPartInfo], int]:
    """Earlier turns, newest first, until the room is used up; older ones are dropped."""
    kept: list[tuple[str, str]] = []
    used = 0
    for role, text in reversed(history):
        tokens = estimate_tokens(text)
        if used + tokens > room:
            break
        kept.insert(0, (role, text))
        used += tokens
    while kept and kept[0][0] != "user":  # a conversation sent to a model starts with the user
        used -= estimate_tokens(kept.pop(0)[1])
    total = sum(estimate_tokens(t) for _, t in history)
    dropped = len(history) - len(kept)
    info = ContextPartInfo(
        kind="history",
        label=f"{len(kept)} earlier message(s)",
        tokens=used,
        original_tokens=total,
        included=bool(kept),
        truncated=dropped > 0,
        note=f"{dropped} older message(s) left out" if dropped else "",
    )
    return kept, ([info] if history else []), used


def _render(part: Part) -> str:
    fence = "```"
    while fence in part.text:
        fence += "`"
    note = f" [{part.note}]" if part.note else ""
    return f"### {part.label}{note}\n{fence}\n{part.text}\n{fence}"


def _alternating(turns: list[tuple[str, str]]) -> list[dict[str, str]]:
    """User/assistant turns with empty ones removed and neighbours of one role merged."""
    merged: list[dict[str, str]] = []
    for role, text in turns:
        if not text.strip():
            continue
        if merged and merged[-1]["role"] == role:
            merged[-1]["content"] += "\n\n" + text
        else:
            merged.append({"role": role, "content": text})
    while merged and merged[0]["role"] != "user":
        merged.pop(0)
    return merged


# -- code graph -----------------------------------------------------------------------------------
def graph_neighbourhood(
    user: User, project_id: int, current: CurrentFile, *, session: Session
) -> tuple[str, str]:
    """Callers, callees and imports around the symbol at the cursor, and a status word.

    The graph is optional: when its package is missing, the project is not indexed yet or a
    query fails, the chat goes on without it and the status says why.
    """
    try:
        query = importlib.import_module("vibe.graph.query")
        graph_service = importlib.import_module("vibe.graph.service")
    except ImportError:
        return "", "unavailable"
    try:
        row = graph_service.project_index(user, project_id, session=session)
        if not row.generation:
            return "", "not indexed"
        g = graph_service.loaded_graph(row, session=session)
        return _describe_symbol(query, g, current.path, current.cursor_line or _sel(current))
    except Exception:
        log.warning("code graph context failed; continuing without it", exc_info=True)
        return "", "unavailable"


def _sel(current: CurrentFile) -> int:
    return current.selection.start_line if current.selection else 1


def _describe_symbol(query: object, g: object, path: str, line: int) -> tuple[str, str]:
    nodes = g.nodes  # type: ignore[attr-defined]
    in_file = [(n, d) for n, d in nodes(data=True) if d.get("file") == path]
    around = [
        (int(d["end_line"]) - int(d["start_line"]), n)
        for n, d in in_file
        if d.get("kind") in ("function", "method", "class")
        and int(d.get("start_line") or 0) <= line <= int(d.get("end_line") or 0)
    ]
    module = next((n for n, d in in_file if d.get("kind") == "module"), None)
    target = min(around)[1] if around else module
    if target is None:
        return "", "no symbol at cursor"
    lines = [f"Symbol at the cursor: {_name(nodes[target])}"]
    if target != module:
        callers = query.callers(g, target, limit=GRAPH_LIMIT)["nodes"]  # type: ignore[attr-defined]
        callees = query.callees(g, target, limit=GRAPH_LIMIT)["nodes"]  # type: ignore[attr-defined]
        lines.append("Called by: " + (", ".join(map(_name, callers)) or "nothing known"))
        lines.append("Calls: " + (", ".join(map(_name, callees)) or "nothing known"))
    if module is not None:
        found = query.neighbours(g, module, kind="imports", direction="out")  # type: ignore[attr-defined]
        names = [_name(f["node"]) for f in found[:GRAPH_LIMIT]]
        lines.append("Its module imports: " + (", ".join(names) or "nothing"))
    return "\n".join(lines), "used"


def _name(d: dict) -> str:
    where = f" ({d['file']}:{d.get('start_line')})" if d.get("file") else ""
    return f"{d.get('qname')} [{d.get('kind')}]{where}"
