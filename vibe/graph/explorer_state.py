"""State of /projects/[slug]/graph: view parameters, filters, selection and indexing progress.

Graph elements never live here: the canvas fetches them from the views API at `view_url`.
Database and graph work runs in a thread (`_call`) so a large graph never blocks the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from vibe.auth.models import User
from vibe.auth.state import SessionState, as_user
from vibe.core.db import session_scope
from vibe.core.errors import Unauthorized, VibeError
from vibe.graph import explorer, service
from vibe.jobs import service as jobs
from vibe.projects import service as projects
from vibe.projects.models import Role
from vibe.ui import routes

API = "/api/v1/projects"
POLL_SECONDS = 0.5
FOCUSED_VIEWS = ("neighbourhood", "impact")
FINISHED = ("succeeded", "failed", "cancelled")
PAGE_DEFAULTS: dict[str, Any] = {  # what a fresh visit starts from (the WebGL choice persists)
    "phase": "loading", "index_error": "", "indexing": False, "job_id": "", "progress": 0,
    "view": "overview", "level": "auto", "expanded": [], "center": "", "center_label": "",
    "source": "", "source_label": "", "target": "", "target_label": "", "node_kinds": [],
    "edge_kinds": [], "severities": [], "language": "all", "folder": "", "min_confidence": 0.0,
    "coverage": [0, 100], "query": "", "results": [], "selected": {}, "callers": [],
    "callees": [], "findings": [], "focus": "", "shown": {}, "truncated": False,
    "overlay": False,
}  # fmt: skip


def _row(node: dict[str, Any]) -> dict[str, str]:
    return {
        "id": str(node.get("id", "")),
        "label": str(node.get("qname") or node.get("name") or ""),
        "kind": str(node.get("kind", "")).replace("_", " "),
        "where": f"{node.get('file') or ''}:{node.get('start_line') or ''}".strip(":"),
    }


def ide_url(slug: str, file: str, line: int) -> str:
    """Where the editor opens `file` at `line` (the editor honours these parameters)."""
    return f"{routes.project(slug)}?{urlencode({'file': file, 'line': max(line, 1)})}"


class ExplorerState(rx.State):
    project_id: int = 0
    slug: str = ""
    project_name: str = ""
    phase: str = "loading"  # loading | missing | no_files | unindexed | failed | ready
    can_edit: bool = False
    index_error: str = ""
    indexing: bool = False
    job_id: str = ""
    progress: int = 0
    progress_message: str = ""
    generation: int = 0
    totals: dict[str, int] = {}
    languages: list[str] = []
    folders: list[str] = []

    view: str = "overview"
    level: str = "auto"
    expanded: list[str] = []
    center: str = ""
    center_label: str = ""
    depth: int = 2
    source: str = ""
    source_label: str = ""
    target: str = ""
    target_label: str = ""
    stdlib: bool = False
    node_kinds: list[str] = []
    edge_kinds: list[str] = []
    language: str = "all"
    folder: str = ""
    min_confidence: float = 0.0
    severities: list[str] = []
    coverage: list[int] = [0, 100]

    query: str = ""
    results: list[dict[str, str]] = []
    selected: dict[str, str] = {}
    callers: list[dict[str, str]] = []
    callees: list[dict[str, str]] = []
    findings: list[dict[str, str]] = []
    focus: str = ""
    focus_nonce: int = 0

    shown: dict[str, int] = {}
    truncated: bool = False
    has_coverage: bool = False
    level_used: str = ""
    renderer: str = ""  # what drew the last view: webgl, canvas, or canvas-fallback (no WebGL2)
    overlay: bool = False
    webgl: str = rx.LocalStorage("0", name="vibe_graph_webgl")
    reload_nonce: int = 0
    export_format: str = ""
    export_nonce: int = 0
    _user_id: int = 0

    # -- derived --------------------------------------------------------------------------
    @rx.var
    def needs_node(self) -> bool:
        if self.view == "path":
            return not (self.source and self.target)
        return self.view in FOCUSED_VIEWS and not self.center

    @rx.var
    def view_query(self) -> str:
        params: list[tuple[str, Any]] = [("g", self.generation)]
        params += {
            "overview": [("level", self.level), *(("expanded", e) for e in self.expanded)],
            "neighbourhood": [("node", self.center), ("depth", self.depth)],
            "impact": [("node", self.center), ("depth", self.depth)],
            "path": [("source", self.source), ("target", self.target)],
            "dependencies": [("stdlib", str(self.stdlib).lower())],
        }.get(self.view, [])
        params += [("kind", k) for k in self.node_kinds] + [("edge", k) for k in self.edge_kinds]
        params += [("severity", s) for s in self.severities]
        if self.language != "all":
            params.append(("language", self.language))
        if self.folder.strip():
            params.append(("folder", self.folder.strip()))
        if self.min_confidence > 0:
            params.append(("min_confidence", self.min_confidence))
        if list(self.coverage) != [0, 100]:
            params += [("coverage_min", self.coverage[0]), ("coverage_max", self.coverage[1])]
        return urlencode(params)

    @rx.var
    def view_url(self) -> str:
        if self.phase != "ready" or self.needs_node:
            return ""
        return f"{API}/{self.project_id}/graph/views/{self.view}?{self.view_query}"

    @rx.var
    def view_export_base(self) -> str:
        return f"{API}/{self.project_id}/graph/views/{self.view}/export?{self.view_query}"

    @rx.var
    def graph_export_base(self) -> str:
        return f"{API}/{self.project_id}/graph/export"

    @rx.var
    def use_webgl(self) -> bool:
        return self.webgl == "1"

    # -- helpers --------------------------------------------------------------------------
    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`fn(user, *args, session=..., **kwargs)` in a worker thread, as the signed-in user."""
        auth = await self.get_state(SessionState)
        return await as_user(auth, lambda user, session: fn(user, *args, session=session, **kwargs))

    # -- loading and indexing -------------------------------------------------------------
    @rx.event
    async def load(self):
        for name, value in PAGE_DEFAULTS.items():
            setattr(self, name, list(value) if isinstance(value, list) else value)
        yield
        slug = routes.slug_in(self.router.url.path)
        try:
            info = await self._call(_opening, slug)
        except VibeError as exc:
            self.phase = "missing" if exc.status == 404 else "failed"
            self.index_error = "" if exc.status == 404 else exc.message
            return
        self._apply_opening(info)
        if self.indexing:
            yield ExplorerState.watch_job

    def _apply_opening(self, info: dict[str, Any]) -> None:
        self.project_id, self.slug, self.project_name = info["id"], info["slug"], info["name"]
        self.can_edit, self._user_id = info["can_edit"], info["user_id"]
        self.languages, self.folders = info["languages"], info["folders"]
        self._apply_status(info["status"])

    def _apply_status(self, status: dict[str, Any]) -> None:
        job = status.get("job") or {}
        self.generation = status["generation"]
        self.totals = {k: status[k] for k in ("files", "nodes", "edges")}
        self.indexing = job.get("status") in ("queued", "running")
        self.job_id = job.get("id", "") if self.indexing else ""
        self.index_error = job.get("error") or status.get("error") or ""
        if self.generation > 0:
            self.phase = "ready"
        elif not status["has_files"]:
            self.phase = "no_files"
        elif job.get("status") == "failed" or status["status"] == "failed":
            self.phase = "failed"
        else:
            self.phase = "unindexed"

    @rx.event
    async def start_index(self):
        try:
            self.job_id = await self._call(service.start_indexing, self.project_id)
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        self.indexing, self.progress, self.progress_message = True, 0, "Queued"
        yield ExplorerState.watch_job

    @rx.event
    async def cancel_index(self):
        try:
            await self._call(_cancel, self.job_id)
        except VibeError as exc:
            yield rx.toast.error(exc.message)

    @rx.event(background=True)
    async def watch_job(self):
        """Poll the indexing job until it ends, then refresh the page's graph."""
        while True:
            async with self:
                job_id, user_id = self.job_id, self._user_id
            if not job_id:
                return
            job = await asyncio.to_thread(_job_snapshot, job_id, user_id)
            async with self:
                self.progress = round(100 * (job["progress"] or 0))
                self.progress_message = job["message"] or job["status"]
                if job["status"] in FINISHED:
                    return await self._finished(job)
            await asyncio.sleep(POLL_SECONDS)

    async def _finished(self, job: dict[str, Any]):
        status = await asyncio.to_thread(_status_for, self.project_id, self._user_id)
        self._apply_status(status)
        self.indexing, self.job_id = False, ""
        if job["status"] == "succeeded":
            self.reload_nonce += 1
            info = await asyncio.to_thread(_facets_for, self.project_id, self._user_id)
            self.languages, self.folders = info["languages"], info["folders"]
            return rx.toast.success("Graph indexed")
        if job["status"] == "failed":
            return rx.toast.error(f"Indexing failed: {job['error'][:200]}")
        return rx.toast.info("Indexing cancelled")

    # -- views ----------------------------------------------------------------------------
    @rx.event
    def set_view(self, view: str) -> None:
        self.view = view
        if view in FOCUSED_VIEWS and not self.center and self.selected.get("id"):
            self.center, self.center_label = self.selected["id"], self.selected["label"]

    @rx.event
    def set_stdlib(self, value: bool) -> None:
        self.stdlib = value

    @rx.event
    def set_level(self, level: str | list[str]) -> None:
        self.level, self.expanded = str(level), []

    @rx.event
    def set_depth(self, value: list[int | float]) -> None:
        self.depth = int(value[0]) if value else 2

    @rx.event
    def toggle_expand(self, node_id: str) -> None:
        if self.view != "overview":
            return
        if node_id in self.expanded:
            self.expanded = [e for e in self.expanded if e != node_id]
        else:
            self.expanded = [*self.expanded, node_id]
        if self.selected.get("id") == node_id:
            self.selected = {**self.selected, "expanded": str(node_id in self.expanded).lower()}

    @rx.event
    def collapse_all(self) -> None:
        self.expanded = []

    @rx.event
    def show_around(self, view: str):
        """Neighbourhood or impact of the selected node."""
        self.center, self.center_label = self.selected["id"], self.selected["label"]
        self.view = view

    @rx.event
    def path_end(self, end: str):
        node_id, label = self.selected["id"], self.selected["label"]
        if end == "source":
            self.source, self.source_label = node_id, label
        else:
            self.target, self.target_label = node_id, label
        if self.source and self.target:
            self.view = "path"

    @rx.event
    def swap_path(self) -> None:
        self.source, self.target = self.target, self.source
        self.source_label, self.target_label = self.target_label, self.source_label

    @rx.event
    def view_loaded(self, info: dict[str, Any]) -> None:
        self.shown = {"nodes": int(info.get("nodes", 0)), "edges": int(info.get("edges", 0))}
        self.truncated = bool(info.get("truncated"))
        self.has_coverage = bool(info.get("has_coverage"))
        self.level_used = str(info.get("level") or "")
        self.renderer = str(info.get("renderer") or "")

    @rx.event
    def view_failed(self, message: str):
        self.shown = {}
        return rx.toast.error(message)

    @rx.event
    def set_overlay(self, value: bool) -> None:
        self.overlay = value

    @rx.event
    def set_webgl(self, value: bool) -> None:
        self.webgl = "1" if value else "0"

    @rx.event
    def export_image(self, fmt: str) -> None:
        self.export_format, self.export_nonce = fmt, self.export_nonce + 1

    # -- filters --------------------------------------------------------------------------
    @rx.event
    def toggle_node_kind(self, kind: str, on: bool) -> None:
        self.node_kinds = _toggled(self.node_kinds, kind, on)

    @rx.event
    def toggle_edge_kind(self, kind: str, on: bool) -> None:
        self.edge_kinds = _toggled(self.edge_kinds, kind, on)

    @rx.event
    def toggle_severity(self, severity: str, on: bool) -> None:
        self.severities = _toggled(self.severities, severity, on)

    @rx.event
    def set_language(self, value: str) -> None:
        self.language = value

    @rx.event
    def set_folder(self, value: str) -> None:
        self.folder = value

    @rx.event
    def set_confidence(self, value: list[int | float]) -> None:
        self.min_confidence = round(float(value[0]), 2) if value else 0.0

    @rx.event
    def set_coverage(self, value: list[int | float]) -> None:
        if len(value) == 2:
            self.coverage = [int(value[0]), int(value[1])]

    @rx.event
    def clear_filters(self) -> None:
        self.node_kinds, self.edge_kinds, self.severities = [], [], []
        self.language, self.folder, self.min_confidence, self.coverage = "all", "", 0.0, [0, 100]

    # -- search and selection ---------------------------------------------------------------
    @rx.event
    async def search(self, text: str):
        self.query = text
        if len(text.strip()) < 2 or self.phase != "ready":
            self.results = []
            return
        try:
            found = await self._call(explorer.search, self.project_id, text.strip(), limit=8)
        except VibeError as exc:
            self.results = []
            yield rx.toast.error(exc.message)
            return
        self.results = [_row(n) for n in found]

    @rx.event
    async def pick(self, node_id: str):
        """Jump to a search result: reveal it in the overview (or centre another view on it)."""
        self.results, self.query = [], ""
        try:
            if self.view == "overview":
                above = await self._call(
                    explorer.reveal, self.project_id, node_id, level=self.level
                )
                self.expanded = [*self.expanded, *(a for a in above if a not in self.expanded)]
            else:
                self.view, self.center = "neighbourhood", node_id
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        self.focus, self.focus_nonce = node_id, self.focus_nonce + 1
        yield ExplorerState.select({"id": node_id})

    @rx.event
    async def select(self, info: dict[str, Any]):
        node_id = str(info.get("id") or "")
        if not self.project_id:
            return  # a tap on the opening view, drawn before the page's state has loaded
        if not node_id:
            self.selected, self.callers, self.callees, self.findings = {}, [], [], []
            return
        try:
            panel = await self._call(explorer.node_panel, self.project_id, node_id)
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        self._show_panel(panel, info)
        if self.view == "neighbourhood" and not self.center:
            self.center, self.center_label = node_id, self.selected["label"]

    def _show_panel(self, panel: dict[str, Any], info: dict[str, Any]) -> None:
        cov = (panel.get("attrs") or {}).get("coverage") or {}
        line, file = int(panel.get("start_line") or 0), str(panel.get("file") or "")
        self.selected = {
            "id": panel["id"],
            "label": panel.get("qname") or panel.get("name") or "",
            "name": panel.get("name") or "",
            "kind": str(panel.get("kind", "")).replace("_", " "),
            "signature": panel.get("signature") or "",
            "language": code_language(str(panel.get("language") or "")),
            "docstring": (panel.get("docstring") or "")[:1500],
            "where": f"{file}:{line}" if file and line else file,
            "ide_url": ide_url(self.slug, file, line) if file else "",
            "package": panel.get("package") or "",
            "coverage": f"{cov['percent']:.0f}% ({cov['covered']}/{cov['total']})" if cov else "",
            "version": str((panel.get("attrs") or {}).get("version") or ""),
            "expandable": str(info.get("expandable", panel.get("kind") == "module")).lower(),
            "expanded": str(panel["id"] in self.expanded).lower(),
        }
        self.callers = [_row(n) for n in panel["callers"]]
        self.callees = [_row(n) for n in panel["callees"]]
        self.findings = [_row(n) for n in panel["findings"]]


# The graph's language names that Prism (the signature's highlighter) spells otherwise.
PRISM_NAMES = {"c_sharp": "csharp"}


def code_language(language: str) -> str:
    """The highlighter's name for a node's language; "text" (no colours) when it has none."""
    return PRISM_NAMES.get(language, language) or "text"


def _toggled(items: list[str], item: str, on: bool) -> list[str]:
    rest = [i for i in items if i != item]
    return [*rest, item] if on else rest


def _opening(user: User, slug: str, *, session: Any) -> dict[str, Any]:
    access = projects.get_project(user, slug, session=session)
    pid = access.project.id or 0
    status = explorer.explorer_status(user, pid, session=session)
    found = explorer.facets(user, pid, session=session) if status["generation"] else {}
    return {
        "id": pid,
        "slug": access.project.slug,
        "name": access.project.name,
        "can_edit": access.allows(Role.editor),
        "user_id": user.id,
        "status": status,
        "languages": found.get("languages", []),
        "folders": found.get("folders", []),
    }


def _cancel(user: User, job_id: str, *, session: Any) -> None:
    jobs.cancel_job(job_id, session=session, user=user)


def _as_user(user_id: int, fn: Callable[..., Any], *args: Any) -> Any:
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise Unauthorized("your account no longer exists")
        return fn(user, *args, session=session)


def _job_snapshot(job_id: str, user_id: int) -> dict[str, Any]:
    def read(user: User, *, session: Any) -> dict[str, Any]:
        job = jobs.get_job(job_id, session=session, user=user)
        return {k: getattr(job, k) for k in ("status", "progress", "message", "error")}

    return _as_user(user_id, read)


def _status_for(project_id: int, user_id: int) -> dict[str, Any]:
    return _as_user(user_id, explorer.explorer_status, project_id)


def _facets_for(project_id: int, user_id: int) -> dict[str, list[str]]:
    return _as_user(user_id, explorer.facets, project_id)
