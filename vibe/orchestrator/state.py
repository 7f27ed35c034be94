"""State of the MCP pages: /settings/mcp (administrators) and /projects/[slug]/mcp.

Small on purpose: the server rows the page shows, one selected server's tool names, one tool's
form fields and the last result. Database work runs in worker threads; connection tests and
tool calls are background events, so a slow server never holds up the page's event queue.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import anyio
import reflex as rx
from pydantic import ValidationError
from sqlmodel import Session

from vibe.auth.models import User
from vibe.auth.state import SessionState, as_user
from vibe.core.config import get_settings
from vibe.core.errors import Forbidden, VibeError
from vibe.orchestrator import builtin, registry
from vibe.orchestrator.clients import ServerSpec
from vibe.orchestrator.schemas import ServerIn, ServerPatch
from vibe.orchestrator.service import Orchestrator, Principal
from vibe.orchestrator.supervisor import probe
from vibe.projects import service as projects
from vibe.ui import routes

T = TypeVar("T")
PROBE_SECONDS = 30.0
TEST_LOG_LINES = 12  # of a failed connection test's stderr, under its message
FLAGS = ("enabled", "read_only", "confirm_mutations")
BADGE = {"ready": "green", "starting": "amber", "failed": "red", "stopped": "gray"}
MAX_RESULT_CHARS = 20_000


async def orchestrator() -> Orchestrator:
    """The gateway's orchestrator in this process (the API app Reflex serves in front)."""
    from vibe.vibe import app

    api = app.api_transformer
    runtime = (api[0] if isinstance(api, list | tuple) else api).state.mcp  # type: ignore[union-attr]
    return await runtime.ensure_running()


# -- tool forms from input schemas ------------------------------------------------------------


def schema_fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """One form field per top-level property; kinds the form cannot draw fall back to JSON."""
    required = set(schema.get("required") or [])
    fields = []
    for name, prop in (schema.get("properties") or {}).items():
        kind = _kind(prop if isinstance(prop, dict) else {})
        default = prop.get("default") if isinstance(prop, dict) else None
        fields.append(
            {
                "name": name,
                "kind": kind,
                "required": name in required,
                "label": name + (" *" if name in required else ""),
                "description": str(prop.get("description") or prop.get("title") or ""),
                "options": [str(o) for o in prop.get("enum", [])] if kind == "enum" else [],
                "default": "" if default is None else _show(default, kind),
            }
        )
    return fields


def _kind(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return "enum"
    types = prop.get("type")
    if types is None and "anyOf" in prop:  # Optional[X] from pydantic: anyOf [X, null]
        real = [p for p in prop["anyOf"] if isinstance(p, dict) and p.get("type") != "null"]
        if len(real) == 1:
            return _kind(real[0])
    if types in ("string", "number", "integer", "boolean"):
        return str(types)
    if types == "array" and (prop.get("items") or {}).get("type") == "string":
        return "strings"
    return "json"


def _show(value: Any, kind: str) -> str:
    if kind == "strings" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if kind == "json":
        return json.dumps(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def form_arguments(fields: list[dict[str, Any]], form: dict[str, Any]) -> dict[str, Any]:
    """The tool arguments a submitted form means; ValueError naming the field that is wrong."""
    arguments: dict[str, Any] = {}
    for field in fields:
        name, kind = field["name"], field["kind"]
        raw = form.get(name)
        if kind == "boolean":
            if raw in (True, "on", "true") or (raw in (None, "") and field["required"]):
                arguments[name] = raw in (True, "on", "true")
            elif raw is not None:
                arguments[name] = False
            continue
        text = "" if raw is None else str(raw).strip()
        if not text:
            continue
        arguments[name] = _parse(name, kind, text)
    return arguments


def _parse(name: str, kind: str, text: str) -> Any:
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
        if kind == "strings":
            return [line.strip() for line in text.splitlines() if line.strip()]
        if kind == "json":
            return json.loads(text)
    except ValueError:
        raise ValueError(f"{name}: not a valid {kind}") from None
    return text


def result_text(result: Any) -> str:
    """What a tool returned, readable: pretty JSON when the text is JSON."""
    parts = []
    for content in result.content:
        text = getattr(content, "text", None)
        if text is None:
            parts.append(f"[{content.type} content]")
            continue
        try:
            parts.append(json.dumps(json.loads(text), indent=2))
        except ValueError:
            parts.append(text)
    return "\n\n".join(parts)[:MAX_RESULT_CHARS] or "(no content)"


# -- rows -------------------------------------------------------------------------------------


def _milliseconds(value: float) -> str:
    """A latency as people read it: a local server's 0.4 ms ping is not "0 ms"."""
    return f"{value:.1f} ms" if value < 10 else f"{value:.0f} ms"


def settling(servers: list[dict[str, Any]]) -> bool:
    """Some server is starting, or is up and its first check has not come back yet."""
    return any(
        s["status"] == "starting" or (s["status"] == "ready" and s["latency"] == "–")
        for s in servers
    )


def server_row(
    row: Any, status: dict[str, Any], rights: registry.Rights | None = None
) -> dict[str, Any]:
    state = status.get("status", "stopped") if row.enabled else "disabled"
    latency = status.get("latency_ema_ms") or status.get("latency_ms")
    missing = builtin.missing_reason(row.name) if row.scope == "global" else ""
    return {
        "id": int(row.id),
        "name": row.name,
        "description": row.description,
        "scope": row.scope,
        "transport": row.transport,
        "target": row.url or " ".join([row.command.rsplit("/", 1)[-1], *row.args])[:120],
        "status": state,
        "color": BADGE.get(state, "gray"),
        "latency": _milliseconds(latency) if isinstance(latency, int | float) else "–",
        "tools": int(status.get("tools", 0) or 0),
        "error": (status.get("error") or "") if row.enabled else (missing or ""),
        "enabled": bool(row.enabled),
        "read_only": bool(row.read_only),
        "confirm_mutations": bool(row.confirm_mutations),
        # flags and removal are offered only where the change would be accepted
        "editable": bool(rights and rights.change),
        "removable": bool(rights and rights.remove),
    }


class McpState(rx.State):
    project_id: int = 0
    project_settings_url: str = ""  # "" on the global page
    # the server whose removal waits for a confirmation (0: none)
    remove_id: int = 0
    remove_name: str = ""
    heading: str = "MCP servers"
    can_edit: bool = False
    loading: bool = True
    servers: list[dict[str, Any]] = []
    # add form
    add_open: bool = False
    transport: str = "stdio"
    testing: bool = False
    test_message: str = ""
    test_ok: bool = False
    test_log: str = ""  # the tested server's last stderr lines, when the test failed
    # the server whose stderr tail is shown ("" : none)
    log_name: str = ""
    log_text: str = ""
    # import / export
    import_text: str = ""
    import_error: str = ""
    export_text: str = ""
    # tool browser
    server_id: int = 0
    server_name: str = ""
    tools: list[dict[str, str]] = []
    tool_name: str = ""
    tool_description: str = ""
    fields: list[dict[str, Any]] = []
    raw_mode: bool = False
    raw_arguments: str = "{}"
    calling: bool = False
    result: str = ""
    result_error: bool = False

    async def _db(self, work: Callable[[User, Session], T]) -> T:
        return await as_user(await self.get_state(SessionState), work)

    def _scope(self) -> dict[str, Any]:
        if self.project_id:
            return {"scope": "project", "project_id": self.project_id}
        return {"scope": "global", "project_id": None}

    @rx.event
    async def load(self):
        """on_load of both pages: who may edit, then the servers with their live status."""
        self.loading, self.server_id, self.tool_name, self.result = True, 0, "", ""
        self.import_error = self.test_message = self.export_text = ""
        yield
        slug = routes.slug_in(self.router.url.path)

        def scope(user: User, session: Session) -> tuple[int, str, str, bool]:
            if not slug:
                if not user.is_admin:
                    raise Forbidden("only administrators manage the global MCP servers")
                return 0, "", "MCP servers", True
            access = projects.get_project(user, slug, session=session)
            editor = access.role.value in registry.EDIT_ROLES or user.is_admin
            return int(access.project.id or 0), access.project.slug, access.project.name, editor

        try:
            pid, pslug, name, editor = await self._db(scope)
        except VibeError as exc:
            self.loading = False
            if exc.status != 401:
                yield rx.toast.error(exc.message)
            return
        self.project_id, self.can_edit = pid, editor
        self.project_settings_url = routes.project_settings(pslug) if pslug else ""
        self.heading = f"{name} · MCP servers" if pid else name
        await self._refresh()
        self.loading = False
        if settling(self.servers):
            yield McpState.watch

    async def _refresh(self) -> None:
        orch = await orchestrator()
        pid = self.project_id or None

        def listed(user: User, session: Session) -> tuple[list[Any], dict[int, Any]]:
            rows = registry.list_servers(user, session=session, project_id=pid)
            if pid:
                rows = [r for r in rows if r.scope == "global" or r.project_id == pid]
            return rows, registry.rights(user, rows, session=session)

        rows, rights = await self._db(listed)
        self.servers = [
            server_row(r, orch.status(int(r.id or 0)), rights.get(int(r.id or 0))) for r in rows
        ]

    @rx.event(background=True)
    async def refresh(self):
        """Ping every running server now (fresh latency), then show the new status."""
        await (await orchestrator()).sup.check_all()
        async with self:
            await self._refresh()

    @rx.event(background=True)
    async def watch(self):
        """Follow servers that are starting until they are up (with a first latency) or
        failed, at most ~20 s."""
        for _ in range(40):
            await anyio.sleep(0.5)
            async with self:
                await self._refresh()
                if not settling(self.servers):
                    return

    @rx.event
    async def toggle(self, server_id: int, flag: str, value: bool):
        if flag not in FLAGS:
            return
        patch = ServerPatch(**{flag: value})
        try:
            await self._db(lambda u, s: registry.update_server(u, server_id, patch, session=s))
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        await (await orchestrator()).reload()
        await self._refresh()
        yield McpState.watch

    @rx.event
    async def show_log(self, server_id: int, name: str):
        """The server's last stderr lines (secrets masked), for a user who may see it."""
        try:
            await self._db(lambda u, s: registry.get_server(u, server_id, session=s).id)
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        lines = (await orchestrator()).status(server_id).get("stderr_tail") or []
        self.log_name, self.log_text = name, "\n".join(lines)

    @rx.event
    def close_log(self, _open: bool = False):
        self.log_name, self.log_text = "", ""

    @rx.event
    def ask_remove(self, server_id: int, name: str):
        self.remove_id, self.remove_name = server_id, name

    @rx.event
    def cancel_remove(self, _open: bool = False):
        self.remove_id, self.remove_name = 0, ""

    @rx.event
    async def confirm_remove(self):
        server_id, self.remove_id, self.remove_name = self.remove_id, 0, ""
        if not server_id:
            return
        try:
            await self._db(lambda u, s: registry.delete_server(u, server_id, session=s))
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        await (await orchestrator()).reload()
        if self.server_id == server_id:
            self.server_id, self.tools, self.tool_name = 0, [], ""
        await self._refresh()
        yield rx.toast.success("Server removed")

    # -- adding -----------------------------------------------------------------------------

    @rx.event
    def set_add_open(self, value: bool):
        self.add_open, self.test_message, self.test_log = value, "", ""
        if not value:  # closing the form ends its connection test
            RUNNING.stop(self.router.session.client_token, "test")

    @rx.event
    def stop_test(self):
        RUNNING.stop(self.router.session.client_token, "test")

    @rx.event
    def stop_call(self):
        RUNNING.stop(self.router.session.client_token, "call")

    @rx.event
    def set_transport(self, value: str):
        self.transport, self.test_message = value, ""

    def _server_in(self, form: dict[str, Any]) -> ServerIn:
        args = [a for a in str(form.get("args", "")).splitlines() if a.strip()]
        env = dict(
            line.split("=", 1) for line in str(form.get("env", "")).splitlines() if "=" in line
        )
        return ServerIn(
            name=str(form.get("name", "")).strip(),
            transport=self.transport,  # type: ignore[arg-type]
            command=str(form.get("command", "")).strip(),
            args=[a.strip() for a in args],
            env={k.strip(): v.strip() for k, v in env.items()},
            url=str(form.get("url", "")).strip(),
            description=str(form.get("description", "")).strip(),
            **self._scope(),
        )

    @rx.event(background=True)
    async def test_connection(self, form: dict[str, Any]):
        """Connect once with what the form says, list the tools, disconnect."""
        async with self:
            if self.testing:
                return
            self.testing, self.test_message, self.test_log = True, "", ""
            try:
                data = self._server_in(form)
                await self._db(lambda u, s: _may_run(u, data))
            except (ValidationError, VibeError) as exc:
                self.testing, self.test_ok, self.test_message = False, False, _message(exc)
                return
            tab = self.router.session.client_token
        spec = ServerSpec(id=0, name=data.name, transport=data.transport, command=data.command,
                          args=data.args, env=data.env, url=data.url)  # fmt: skip
        with RUNNING.running(tab, "test") as scope:
            outcome = await probe(spec, timeout=PROBE_SECONDS)
        if scope.cancelled_caught:
            async with self:
                self.testing, self.test_ok, self.test_message = False, False, "Test stopped."
            return
        async with self:
            self.testing, self.test_ok = False, bool(outcome["ok"])
            if outcome["ok"]:
                names = ", ".join(outcome["tools"][:12]) or "no tools"
                self.test_message = (
                    f"Connected in {outcome['latency_ms']:.0f} ms · "
                    f"{len(outcome['tools'])} tools: {names}"
                )
            else:
                self.test_message = f"Failed: {outcome['error']}"
                self.test_log = "\n".join(outcome["stderr_tail"][-TEST_LOG_LINES:])

    @rx.event
    async def add_server(self, form: dict[str, Any]):
        try:
            data = self._server_in(form)
            await self._db(lambda u, s: registry.create_server(u, data, session=s).id)
        except (ValidationError, VibeError) as exc:
            self.test_ok, self.test_message = False, _message(exc)
            return
        self.add_open, self.test_message = False, ""
        await (await orchestrator()).reload()
        await self._refresh()
        yield [rx.toast.success(f"Added {data.name}"), McpState.watch]

    # -- import / export --------------------------------------------------------------------

    @rx.event
    def set_import_text(self, value: str):
        self.import_text = value

    @rx.event
    async def import_config(self):
        text, scope = self.import_text, self._scope()
        try:
            rows = await self._db(
                lambda u, s: [r.name for r in registry.import_servers(u, text, session=s, **scope)]
            )
        except VibeError as exc:
            self.import_error = exc.message
            return
        self.import_error, self.import_text = "", ""
        await (await orchestrator()).reload()
        await self._refresh()
        yield McpState.watch
        yield rx.toast.success(f"Imported {len(rows)} server(s): {', '.join(rows)}")

    @rx.event
    async def export_config(self):
        pid = self.project_id or None
        document = await self._db(
            lambda u, s: registry.export_servers(u, session=s, project_id=pid)
        )
        self.export_text = json.dumps(document, indent=2)
        yield rx.download(data=self.export_text, filename="mcp.json")

    # -- tool browser -----------------------------------------------------------------------

    @rx.event
    async def browse(self, server_id: int):
        orch = await orchestrator()
        runtime = orch.sup.runtimes.get(server_id)
        row = next((s for s in self.servers if s["id"] == server_id), None)
        self.server_id, self.server_name = server_id, row["name"] if row else ""
        self.tool_name, self.fields, self.result = "", [], ""
        tools = runtime.tools if runtime else []
        self.tools = [{"name": t.name, "description": (t.description or "")[:300]} for t in tools]

    @rx.event
    async def choose_tool(self, name: str):
        orch = await orchestrator()
        runtime = orch.sup.runtimes.get(self.server_id)
        tool = next((t for t in (runtime.tools if runtime else []) if t.name == name), None)
        if tool is None:
            yield rx.toast.error(f"{name} is not offered right now")
            return
        self.tool_name, self.tool_description = name, tool.description or ""
        self.fields = schema_fields(tool.input_schema or {})
        self.raw_mode = not self.fields or any(f["kind"] == "json" for f in self.fields)
        self.raw_arguments = json.dumps({f["name"]: None for f in self.fields if f["required"]})
        self.result, self.result_error = "", False

    @rx.event
    def set_raw_mode(self, value: bool):
        self.raw_mode = value

    @rx.event
    def set_raw_arguments(self, value: str):
        self.raw_arguments = value

    @rx.event(background=True)
    async def call_tool(self, form: dict[str, Any]):
        """Call the chosen tool as the signed-in user, through the orchestrator."""
        async with self:
            if self.calling:  # Enter in a field submits the form even while "Stop" shows
                return
            try:
                arguments = self._arguments(form)
            except ValueError as exc:
                self.result, self.result_error = str(exc), True
                return
            self.calling, self.result = True, ""
            user_id = await self._db(lambda u, _s: int(u.id or 0))
            server_id, tool_name = self.server_id, self.tool_name
            tab = self.router.session.client_token
        orch = await orchestrator()
        catalog = await orch.catalog(user_id)
        exposed = next(
            (n for n, (r, t) in catalog.tools.items()
             if r.spec.id == server_id and t.name == tool_name),
            None,
        )  # fmt: skip
        if exposed is None:
            text, failed = f"{tool_name} is not available (server down or tool hidden)", True
        else:
            text, failed = "Stopped before the tool answered.", True  # unless it answers
            with RUNNING.running(tab, "call"):
                result = await orch.call_tool(Principal(user_id), exposed, arguments)
                text, failed = result_text(result), bool(result.is_error)
        async with self:
            self.calling, self.result, self.result_error = False, text, failed

    def _arguments(self, form: dict[str, Any]) -> dict[str, Any]:
        if self.raw_mode:
            try:
                value = json.loads(self.raw_arguments or "{}")
            except ValueError as exc:
                raise ValueError(f"arguments: not valid JSON ({exc})") from None
            if not isinstance(value, dict):
                raise ValueError("arguments: must be a JSON object")
            return value
        return form_arguments(self.fields, form)


class Stoppable:
    """Work a page started and its user may stop: one cancel scope per browser tab and kind.

    Background events run in this process (the backend is one process by design), so the
    stop event, which runs beside them, finds the scope here and cancels it. Cancelling runs the
    work's own clean-up: a stopped connection test still stops the server process it started.
    """

    def __init__(self) -> None:
        self._scopes: dict[tuple[str, str], anyio.CancelScope] = {}

    @contextlib.contextmanager
    def running(self, tab: str, kind: str) -> Iterator[anyio.CancelScope]:
        key, scope = (tab, kind), anyio.CancelScope()
        self.stop(tab, kind)  # one at a time per tab and kind
        self._scopes[key] = scope
        try:
            with scope:
                yield scope
        finally:
            if self._scopes.get(key) is scope:
                del self._scopes[key]

    def stop(self, tab: str, kind: str) -> bool:
        """Cancel the tab's work of that kind; False when none runs."""
        scope = self._scopes.pop((tab, kind), None)
        if scope is None:
            return False
        scope.cancel()
        return True


RUNNING = Stoppable()


def _may_run(user: User, data: ServerIn) -> None:
    """The checks adding the server would make, before anything is started."""
    if data.transport == "stdio":
        if not data.command:
            raise VibeError("command: required for stdio")
        if not user.is_admin:
            raise Forbidden("stdio servers run a command on this machine: administrators only")
        return
    if not data.url:
        raise VibeError(f"url: required for {data.transport}")
    allow = user.is_admin or get_settings().mcp_allow_private_urls
    registry.check_url(data.url, allow_private=allow)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors()
        )
    return getattr(exc, "message", str(exc))
