"""Static-analysis findings: semgrep (a separate install) → `finding` nodes and `has_finding` edges.

Semgrep runs as a subprocess on the rule packs shipped in `vibe/graph/rules/` (local rules only:
no registry fetch, no metrics). It lives in its own virtualenv because it pins an `mcp` that
Vibe cannot share. Each finding hangs off the innermost function, method or class that encloses
it, else off its module (or file) node.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from vibe.graph.engine.ids import node_id
from vibe.graph.engine.index import Cancel, Progress
from vibe.graph.engine.model import Edge, Node

REPO_ROOT = Path(__file__).resolve().parents[3]
RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
DEFAULT_SEMGREP = REPO_ROOT / "tools" / "semgrep" / "bin" / "semgrep"
DEFAULT_TIMEOUT = 600.0
POLL_SECONDS = 0.2
PROGRESS_SECONDS = 1.0
OWNER_KINDS = ("function", "method", "class")
FALLBACK_KINDS = ("module", "file")
SEVERITIES = {"ERROR": "error", "WARNING": "warning", "INFO": "info"}


class SemgrepError(Exception):
    """Semgrep could not run or returned something that is not a JSON report."""


class SemgrepNotFoundError(SemgrepError):
    """No semgrep executable at the configured path nor on PATH."""


class SemgrepCancelledError(SemgrepError):
    """The scan was cancelled; the subprocess has been killed."""


class SemgrepTimeoutError(SemgrepError):
    """The scan ran past its timeout; the subprocess has been killed."""


@dataclass(slots=True)
class Finding:
    """One semgrep result, with `check_id` shortened to the rule's own id."""

    rule: str
    severity: str
    message: str
    file: str
    start_line: int
    start_col: int
    end_line: int
    end_col: int
    fingerprint: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class FindingsResult:
    """What a scan adds to the graph, plus semgrep's own errors (rule or parse problems)."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)


def find_semgrep(executable: str | Path | None = None) -> str:
    """The semgrep to run: `executable`, else `tools/semgrep/bin/semgrep`, else PATH."""
    candidates = [executable] if executable else [DEFAULT_SEMGREP, "semgrep"]
    for candidate in candidates:
        found = shutil.which(str(candidate))
        if found:
            return found
    tried = ", ".join(str(c) for c in candidates)
    raise SemgrepNotFoundError(
        f"semgrep not found (tried {tried}); install it in its own virtualenv: "
        "python3 -m venv tools/semgrep && tools/semgrep/bin/pip install semgrep"
    )


def semgrep_command(executable: str, config: Path, paths: Iterable[str]) -> list[str]:
    """The argv of a local-rules JSON scan (no registry, no metrics, no version check)."""
    return [
        executable,
        "scan",
        "--config",
        str(config),
        "--json",
        "--metrics=off",
        "--disable-version-check",
        "--quiet",
        *paths,
    ]


def run_semgrep(
    root: str | Path,
    *,
    paths: Iterable[str] = (".",),
    config: str | Path = RULES_DIR,
    executable: str | Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> dict[str, Any]:
    """Run semgrep in `root` on `paths` (root-relative) and return its JSON report.

    Explicit file paths are scanned even when `.semgrepignore` (whose default skips `tests/`)
    or git would leave them out; the default `.` follows semgrep's own ignore rules.
    """
    argv = semgrep_command(find_semgrep(executable), Path(config).resolve(), list(paths))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        code = _wait(argv, Path(root), out, err, timeout, progress, _checker(cancel))
        out.seek(0)
        err.seek(0)
        report = _report(out.read(), err.read(), code)
    if progress is not None:
        progress(1.0, f"semgrep: {len(report.get('results', []))} findings")
    return report


def _wait(
    argv: list[str],
    cwd: Path,
    out: IO[bytes],
    err: IO[bytes],
    timeout: float,
    progress: Progress | None,
    cancelled: Callable[[], bool],
) -> int:
    proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, start_new_session=True)
    started = reported = time.monotonic()
    while True:
        try:
            return proc.wait(timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            elapsed = time.monotonic() - started
        if cancelled():
            _kill(proc)
            raise SemgrepCancelledError("semgrep scan cancelled")
        if elapsed > timeout:
            _kill(proc)
            raise SemgrepTimeoutError(f"semgrep scan took longer than {timeout:.0f}s")
        if progress is not None and time.monotonic() - reported >= PROGRESS_SECONDS:
            reported = time.monotonic()
            progress(min(0.9, elapsed / timeout), f"semgrep: scanning ({elapsed:.0f}s)")


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # semgrep-core is a child of the Python CLI
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _report(stdout: bytes, stderr: bytes, code: int) -> dict[str, Any]:
    try:
        report = json.loads(stdout or b"null")
    except ValueError:
        report = None
    if not isinstance(report, dict) or "results" not in report:
        tail = stderr.decode(errors="replace").strip()[-2000:]
        raise SemgrepError(f"semgrep exited with {code} without a JSON report: {tail}")
    return report


def _checker(cancel: Cancel | None) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    return cancel.is_set if isinstance(cancel, threading.Event) else cancel


def rule_id(check_id: str) -> str:
    """`vibe.graph.rules.python-eval-exec` → `python-eval-exec` (semgrep prefixes the path)."""
    return check_id.rsplit(".", 1)[-1]


def parse_report(report: dict[str, Any], root: str | Path | None = None) -> list[Finding]:
    """Findings of a semgrep JSON report; `root` lets fingerprints use the matched source."""
    findings = []
    seen: dict[str, int] = {}
    for result in report.get("results", []):
        extra = result.get("extra", {})
        start, end = result.get("start", {}), result.get("end", {})
        file = str(result.get("path", "")).removeprefix("./")
        finding = Finding(
            rule_id(str(result.get("check_id", ""))),
            SEVERITIES.get(str(extra.get("severity", "")).upper(), "info"),
            str(extra.get("message", "")),
            file,
            int(start.get("line", 0)),
            int(start.get("col", 0)),
            int(end.get("line", 0)),
            int(end.get("col", 0)),
            metadata=dict(extra.get("metadata") or {}),
        )
        base = _fingerprint(finding, _source(root, finding) or str(extra.get("lines", "")))
        seen[base] = seen.get(base, -1) + 1
        finding.fingerprint = f"{base}-{seen[base]}" if seen[base] else base
        findings.append(finding)
    return findings


def report_errors(report: dict[str, Any]) -> list[str]:
    """Semgrep's non-fatal errors (a rule that did not parse, a file it could not read...)."""
    return [str(e.get("message", e)).strip() for e in report.get("errors", [])]


def _source(root: str | Path | None, finding: Finding) -> str:
    if root is None:
        return ""
    try:
        lines = (Path(root) / finding.file).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(lines.splitlines()[finding.start_line - 1 : finding.end_line])


def _fingerprint(finding: Finding, text: str) -> str:
    """Stable across line shifts: the rule, the file and the matched code without whitespace."""
    if text in ("", "requires login"):
        text = f"{finding.start_line}:{finding.start_col}"
    code = "".join(text.split())
    key = f"{finding.rule}\x1f{finding.file}\x1f{code}"
    return hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


def finding_nodes(project: str, findings: Iterable[Finding]) -> list[Node]:
    """One `finding` node per finding; its id survives edits that only move the code."""
    return [_finding_node(project, f) for f in findings]


def _finding_node(project: str, f: Finding) -> Node:
    qname = f"{f.file}::{f.rule}::{f.fingerprint}"
    attrs = {
        "rule": f.rule,
        "severity": f.severity,
        "message": f.message,
        "start_col": f.start_col,
        "end_col": f.end_col,
        "fingerprint": f.fingerprint,
        "metadata": f.metadata,
        "tool": "semgrep",
    }
    return Node(
        node_id(project, "finding", qname),
        "finding",
        qname,
        f.rule,
        "",
        f.file,
        f.start_line,
        f.end_line,
        attrs=attrs,
    )


def has_finding_edges(findings: Iterable[Node], graph_nodes: Iterable[Node]) -> list[Edge]:
    """Edges from the innermost function/method/class around each finding, else module/file."""
    owners: dict[str, list[Node]] = {}
    fallback: dict[str, Node] = {}
    for node in sorted(graph_nodes, key=lambda n: n.kind == "module"):  # modules win over files
        if node.kind in OWNER_KINDS and node.file:
            owners.setdefault(node.file, []).append(node)
        elif node.kind in FALLBACK_KINDS and node.file:
            fallback[node.file] = node
    edges = []
    for finding in findings:
        owner = _innermost(owners.get(finding.file, []), finding.start_line)
        owner = owner or fallback.get(finding.file)
        if owner is not None:
            edge = Edge(
                owner.id,
                finding.id,
                "has_finding",
                1.0,
                "location",
                finding.file,
                finding.start_line,
            )
            edges.append(edge)
    return edges


def _innermost(candidates: list[Node], line: int) -> Node | None:
    around = [n for n in candidates if n.start_line <= line <= n.end_line]
    return max(around, key=lambda n: (n.start_line, -n.end_line), default=None)


def scan_findings(
    root: str | Path,
    project: str,
    graph_nodes: Iterable[Node],
    **options: Any,
) -> FindingsResult:
    """Run semgrep (options as for `run_semgrep`) and turn its report into graph nodes and edges."""
    report = run_semgrep(root, **options)
    nodes = finding_nodes(project, parse_report(report, root))
    return FindingsResult(
        nodes,
        has_finding_edges(nodes, graph_nodes),
        report_errors(report),
        list(report.get("paths", {}).get("scanned", [])),
    )
