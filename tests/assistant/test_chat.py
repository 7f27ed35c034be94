"""Chat turns through the service: streaming, fallback, errors, tokens, stop, history."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy import text
from sqlmodel import Session

from tests.assistant.conftest import collect
from tests.standins.openai_compat import Reply
from vibe.assistant import history, providers, service
from vibe.assistant.models import ChatMessage
from vibe.assistant.schemas import ChatRequest, CurrentFile, ProviderCreate
from vibe.core.errors import NotFound


def ask(project, session: Session, message: str = "Explain this", **extra):
    request = ChatRequest(message=message, **extra)
    return service.start_chat(project.user, project.id, request, session=session)


def deltas(events) -> str:
    return "".join(e.data["text"] for e in events if e.type == "delta")


def done(events) -> dict:
    assert events[-1].type == "done"
    return events[-1].data


def test_streams_an_answer_and_stores_it_with_its_usage(
    project, session, openai_server, add_provider
):
    add_provider(project.user, openai_server, name="local")
    openai_server.script.add(Reply(text="It adds two numbers.", prompt_tokens=120))
    project.ws.write("calc.py", "def add(a, b):\n    return a + b\n", base_version=None)
    events = collect(ask(project, session, current_file=CurrentFile(path="calc.py")))
    assert [e.type for e in events[:2]] == ["start", "provider"]
    assert deltas(events) == "It adds two numbers."
    message = done(events)
    assert message["status"] == "complete" and message["provider_name"] == "local"
    assert (message["prompt_tokens"], message["completion_tokens"]) == (120, 3)
    assert message["usage_estimated"] is False
    sent = openai_server.script.requests[-1]["messages"]
    assert "def add(a, b):" in sent[-1]["content"] and sent[-1]["content"].endswith("Explain this")
    stored = session.get(ChatMessage, message["id"])
    session.refresh(stored)
    assert stored.content == "It adds two numbers." and stored.completion_tokens == 3


def test_anthropic_streams_too(project, session, anthropic_server, add_provider):
    add_provider(project.user, anthropic_server, name="claude", kind="anthropic")
    anthropic_server.script.add(Reply(text="Bonjour", prompt_tokens=7))
    message = done(collect(ask(project, session)))
    assert message["content"] == "Bonjour" and message["prompt_tokens"] == 7


def test_falls_back_to_the_next_provider_when_the_first_fails(
    project, session, openai_server, anthropic_server, add_provider
):
    add_provider(project.user, openai_server, name="first", priority=1)
    add_provider(project.user, anthropic_server, name="second", kind="anthropic", priority=2)
    openai_server.script.add(Reply(mode="500"))
    anthropic_server.script.add("Answer from the fallback.")
    events = collect(ask(project, session))
    failed = [e.data for e in events if e.type == "provider_failed"]
    assert failed == [
        {
            "provider": "first",
            "model": "standin-small",
            "error": "the provider answered with an error (500): The server had an error.",
        }
    ]
    message = done(events)
    assert message["provider_name"] == "second" and message["status"] == "complete"
    assert message["content"] == "Answer from the fallback."
    assert message["attempts"] == failed


def test_timeout_then_fallback(project, session, openai_server, anthropic_server, add_provider):
    add_provider(project.user, openai_server, name="slow", priority=1, timeout=0.3)
    add_provider(project.user, anthropic_server, name="quick", kind="anthropic", priority=2)
    openai_server.script.add(Reply(mode="hang"))
    message = done(collect(ask(project, session)))
    assert message["provider_name"] == "quick"
    assert "no answer within 0.3 s (timeout)" in message["attempts"][0]["error"]


def test_every_provider_failing_is_one_clear_error(
    project, session, openai_server, anthropic_server, add_provider
):
    add_provider(project.user, openai_server, name="a", priority=1, key="bad-key")
    add_provider(project.user, anthropic_server, name="b", kind="anthropic", priority=2)
    anthropic_server.script.add(Reply(mode="malformed", text="x" * 40))
    message = done(collect(ask(project, session)))
    assert message["status"] == "failed"
    assert message["error"].startswith("b failed while answering: the provider sent a malformed")
    anthropic_server.script.add(Reply(mode="401"))
    message = done(collect(ask(project, session)))
    assert message["error"] == (
        "every AI provider failed: a: authentication failed (401): check the API key; "
        "b: authentication failed (401): check the API key"
    )


def test_preferred_provider_and_model_go_first(
    project, session, openai_server, anthropic_server, add_provider
):
    add_provider(project.user, openai_server, name="usual", priority=1)
    claude = add_provider(project.user, anthropic_server, name="claude", kind="anthropic")
    message = done(collect(ask(project, session, provider_id=claude.id, model="standin-large")))
    assert (message["provider_name"], message["model"]) == ("claude", "standin-large")
    assert anthropic_server.script.requests[-1]["model"] == "standin-large"


def test_no_provider_explains_how_to_add_one(project, session):
    with pytest.raises(providers.NoProviderConfigured) as caught:
        ask(project, session)
    assert "http://127.0.0.1:11434/v1" in caught.value.message
    assert caught.value.status == 409


def test_stop_keeps_what_arrived(project, session, openai_server, add_provider):
    add_provider(project.user, openai_server, name="local")
    openai_server.script.add(Reply(mode="pause", text="First part. Second part never comes."))
    turn = ask(project, session)

    def stop() -> None:
        service.request_stop(project.user, project.id, turn.message_id, session=session)
        session.commit()

    async def _run() -> list:
        seen = []
        async for event in turn.events():
            seen.append(event)
            if event.type == "delta":
                await asyncio.to_thread(stop)
        return seen

    events = asyncio.run(_run())
    message = done(events)
    assert message["status"] == "stopped" and message["content"] == "First pa"
    assert message["usage_estimated"] is True and message["completion_tokens"] == 2
    assert openai_server.script.disconnected.wait(5)


def test_stop_through_the_database_flag(project, session, openai_server, add_provider):
    """Another process (API worker) stops a turn by setting the message's flag."""
    add_provider(project.user, openai_server, name="local")
    openai_server.script.add(Reply(mode="pause"))
    turn = ask(project, session)
    result: list = []
    runner = threading.Thread(target=lambda: result.extend(collect(turn)))
    runner.start()
    deadline = time.monotonic() + 10
    while not openai_server.script.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    session.execute(
        text("UPDATE assistant_messages SET stop_requested = :t WHERE id = :i"),
        {"t": True, "i": turn.message_id},
    )
    session.commit()
    runner.join(10)
    assert done(result)["status"] == "stopped"


def test_history_is_sent_again_and_listed(project, session, openai_server, add_provider):
    add_provider(project.user, openai_server, name="local")
    openai_server.script.add("First answer.", "Second answer.")
    first = done(collect(ask(project, session, message="first question")))
    second = done(
        collect(
            ask(
                project,
                session,
                message="second question",
                conversation_id=first["conversation_id"],
            )
        )
    )
    assert second["conversation_id"] == first["conversation_id"]
    sent = openai_server.script.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[1]["content"] == "first question" and sent[2]["content"] == "First answer."
    (listed,) = history.list_conversations(project.user, project.id, session=session)
    assert listed.title == "first question" and listed.completion_tokens == 4
    full = history.conversation_history(project.user, project.id, listed.id, session=session)
    assert [m.role for m in full.messages] == ["user", "assistant", "user", "assistant"]


def test_other_users_cannot_see_or_use_a_conversation(
    project, session, make_user, openai_server, add_provider
):
    add_provider(project.user, openai_server, name="local")
    first = done(collect(ask(project, session)))
    bob = make_user("bob")
    with pytest.raises(NotFound):
        history.conversation_history(bob, project.id, first["conversation_id"], session=session)
    with pytest.raises(NotFound):
        service.request_stop(bob, project.id, first["id"], session=session)


def test_api_keys_are_encrypted_at_rest(project, session, openai_server, add_provider):
    provider = add_provider(project.user, openai_server, name="local")
    raw = session.execute(text("SELECT api_key_enc FROM assistant_providers")).scalar_one()
    assert openai_server.script.api_key not in raw and raw
    assert providers.config_of(provider).api_key == openai_server.script.api_key
    shown = providers.public(provider)
    assert shown.has_api_key and shown.api_key_hint == "…1234"
    assert openai_server.script.api_key not in shown.model_dump_json()


def test_private_addresses_can_be_refused_for_non_admins(project, session, make_user, monkeypatch):
    from vibe.core.config import get_settings
    from vibe.core.errors import ValidationFailed

    monkeypatch.setenv("VIBE_ASSISTANT_ALLOW_PRIVATE_URLS", "false")
    get_settings.cache_clear()
    data = ProviderCreate(name="o", base_url="http://127.0.0.1:11434/v1", default_model="m")
    bob = make_user("bob")
    with pytest.raises(ValidationFailed, match="private or loopback"):
        providers.create_provider(bob, data, session=session)
    assert project.user.is_admin  # administrators may still add a local model
    assert providers.create_provider(project.user, data, session=session).id
