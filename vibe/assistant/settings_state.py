"""/settings/ai: the signed-in user's LLM providers: list, add, edit, test, models, delete.

API keys are write-only: the form never holds the stored key, only its last four characters
are shown, and an empty key field on edit keeps the stored one.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import ValidationError
from sqlmodel import Session

from vibe.assistant import providers
from vibe.assistant.clients import ProviderConfig
from vibe.assistant.models import AssistantProvider
from vibe.assistant.schemas import ProviderCreate, ProviderUpdate
from vibe.auth.models import User
from vibe.auth.state import SessionState, as_user
from vibe.core.errors import VibeError

KINDS = ["openai_compatible", "anthropic"]


def provider_row(p: AssistantProvider) -> dict[str, str]:
    shown = providers.public(p)
    return {
        "id": str(p.id),
        "name": p.name,
        "kind": p.kind,
        "base_url": p.base_url,
        "model": p.default_model,
        "priority": str(p.priority),
        "timeout": f"{p.timeout_seconds:g}",
        "enabled": "1" if p.enabled else "",
        "key": shown.api_key_hint or "no key",
    }


def _form_values(form: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": str(form.get("name") or "").strip(),
        "kind": form.get("kind") or KINDS[0],
        "base_url": str(form.get("base_url") or "").strip(),
        "default_model": str(form.get("default_model") or "").strip(),
        "priority": int(form.get("priority") or 100),
        "timeout_seconds": float(form.get("timeout_seconds") or 60),
        "enabled": form.get("enabled") in (True, "on", "true", "1"),
    }
    key = str(form.get("api_key") or "")
    if key or form.get("clear_key") in (True, "on", "true", "1"):
        values["api_key"] = key
    return values


def _provider_rows(user: User, session: Session) -> list[dict[str, str]]:
    """The rows decrypt each key for its hint: blocking work, so it runs in the worker thread."""
    return [provider_row(p) for p in providers.list_providers(user, session=session)]


def _save_provider(user: User, editing: str, values: dict[str, Any], session: Session) -> None:
    if editing:
        data = ProviderUpdate(**values)
        providers.update_provider(user, int(editing), data, session=session)
    else:
        providers.create_provider(user, ProviderCreate(**values), session=session)


def _validation_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return f"{where}: {first.get('msg', 'invalid')}"


class AiSettingsState(rx.State):
    rows: list[dict[str, str]] = []
    loading: bool = True
    dialog_open: bool = False
    editing: str = ""  # provider id, "" when adding
    form: dict[str, str] = {}
    error: str = ""
    testing: str = ""
    results: dict[str, str] = {}  # provider id -> last test message
    results_ok: dict[str, bool] = {}
    models: dict[str, list[str]] = {}

    @rx.event
    async def load(self):
        auth = await self.get_state(SessionState)
        try:
            self.rows = await as_user(auth, _provider_rows)
        except VibeError as exc:
            if exc.status != 401:
                yield rx.toast.error(exc.message)
        finally:
            self.loading = False

    @rx.event
    def start_add(self) -> None:
        self.editing, self.error, self.dialog_open = "", "", True
        self.form = {
            "name": "",
            "kind": KINDS[0],
            "base_url": "",
            "default_model": "",
            "priority": "100",
            "timeout_seconds": "60",
            "enabled": "1",
            "key": "",
        }

    @rx.event
    def start_edit(self, provider_id: str) -> None:
        row = next((r for r in self.rows if r["id"] == provider_id), None)
        if row is None:
            return
        self.editing, self.error, self.dialog_open = provider_id, "", True
        self.form = {
            "name": row["name"],
            "kind": row["kind"],
            "base_url": row["base_url"],
            "default_model": row["model"],
            "priority": row["priority"],
            "timeout_seconds": row["timeout"],
            "enabled": row["enabled"],
            "key": row["key"],
        }

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = value

    @rx.event
    async def save(self, form: dict[str, Any]):
        auth = await self.get_state(SessionState)
        editing = self.editing
        try:
            values = _form_values(form)
            await as_user(auth, lambda u, s: _save_provider(u, editing, values, s))
        except ValidationError as exc:
            self.error = _validation_message(exc)
            return
        except (VibeError, ValueError) as exc:
            self.error = getattr(exc, "message", str(exc))
            return
        self.dialog_open = False
        yield rx.toast.success("Provider saved")
        yield AiSettingsState.load

    @rx.event
    async def delete(self, provider_id: str):
        auth = await self.get_state(SessionState)

        def delete_provider(user: User, session: Session) -> None:
            providers.delete_provider(user, int(provider_id), session=session)

        try:
            await as_user(auth, delete_provider)
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        yield rx.toast.success("Provider removed")
        yield AiSettingsState.load

    @rx.event
    async def set_enabled(self, provider_id: str, enabled: bool):
        auth = await self.get_state(SessionState)

        def switch_provider(user: User, session: Session) -> None:
            data = ProviderUpdate(enabled=enabled)
            providers.update_provider(user, int(provider_id), data, session=session)

        await as_user(auth, switch_provider)
        yield AiSettingsState.load

    @rx.event(background=True)
    async def test(self, provider_id: str):
        async with self:
            self.testing = provider_id
            auth = await self.get_state(SessionState)

        def read_config(user: User, session: Session) -> ProviderConfig:
            found = providers.get_provider(user, int(provider_id), session=session)
            return providers.config_of(found)

        try:
            config = await as_user(auth, read_config)
            report = await providers.test_connection(config)
        except VibeError as exc:
            async with self:
                self.testing = ""
            yield rx.toast.error(exc.message)
            return
        async with self:
            self.testing = ""
            self.results = {**self.results, provider_id: report.message}
            self.results_ok = {**self.results_ok, provider_id: report.ok}
            self.models = {**self.models, provider_id: report.models[:200]}
