"""Assistant fixtures: stand-in LLM servers for the real SDKs, a project, providers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlmodel import Session

from tests.standins import anthropic_api, openai_compat
from tests.standins.openai_compat import Script
from tests.standins.server import serve
from vibe.assistant import providers
from vibe.assistant.models import AssistantProvider
from vibe.assistant.schemas import ProviderCreate
from vibe.auth.models import User
from vibe.projects import service as projects
from vibe.projects.workspace import Workspace, open_workspace


@dataclass
class Standin:
    url: str  # the base URL a provider is configured with
    script: Script


@pytest.fixture
def openai_server() -> Iterator[Standin]:
    script = Script(api_key="sk-openai-secret-1234")
    with serve(openai_compat.create_app(script)) as url:
        yield Standin(f"{url}/v1", script)


@pytest.fixture
def anthropic_server() -> Iterator[Standin]:
    script = Script(api_key="sk-ant-secret-5678")
    with serve(anthropic_api.create_app(script)) as url:
        yield Standin(url, script)


@dataclass
class Project:
    user: User
    id: int
    ws: Workspace


@pytest.fixture
def project(make_user, session: Session) -> Project:
    user = make_user("alice")
    access = projects.create_project(user, name="Assist", session=session)
    session.commit()
    return Project(user, access.project.id, open_workspace(access.project.id))  # type: ignore[arg-type]


@pytest.fixture
def add_provider(session: Session):
    """Create a provider pointing at a stand-in through the real service."""

    def _add(
        user: User,
        standin: Standin,
        *,
        name: str,
        kind: str = "openai_compatible",
        priority: int = 100,
        timeout: float = 5.0,
        key: str | None = None,
    ) -> AssistantProvider:
        data = ProviderCreate(
            name=name,
            kind=kind,
            base_url=standin.url,
            api_key=standin.script.api_key if key is None else key,
            default_model="standin-small",
            priority=priority,
            timeout_seconds=timeout,
        )
        provider = providers.create_provider(user, data, session=session)
        session.commit()
        return provider

    return _add


def collect(turn) -> list:
    """Run a chat turn to its end; the list of its events."""

    async def _run() -> list:
        return [event async for event in turn.events()]

    return asyncio.run(_run())
