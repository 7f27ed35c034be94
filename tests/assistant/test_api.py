"""The assistant over HTTP: providers, SSE chat, history, proposals, membership 404s."""

from __future__ import annotations

import json

import pytest

from tests.standins.openai_compat import Reply

CALC = "def add(a, b):\n    return a + b\n"
EDIT = (
    "```edit calc.py\n<<<<<<< SEARCH\n    return a + b\n=======\n    return b + a\n"
    ">>>>>>> REPLACE\n```\n"
)


@pytest.fixture
def alice(make_user, login):
    client = login(make_user("alice"))
    pid = client.post("/api/v1/projects", json={"name": "Chatty"}).json()["id"]
    client.put(
        f"/api/v1/projects/{pid}/files/content",
        json={"path": "calc.py", "content": CALC, "base_version": None},
    )
    return client, f"/api/v1/projects/{pid}/assistant"


def provider_body(server, **extra) -> dict:
    return {
        "name": "local",
        "base_url": server.url,
        "api_key": server.script.api_key,
        "default_model": "standin-small",
        **extra,
    }


def sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for chunk in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in chunk.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_provider_crud_never_shows_the_key(alice, openai_server):
    client, _ = alice
    status = client.get("/api/v1/assistant/status").json()
    assert status["configured"] is False and "127.0.0.1:11434/v1" in status["message"]
    created = client.post("/api/v1/assistant/providers", json=provider_body(openai_server))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["has_api_key"] and body["api_key_hint"] == "…1234"
    assert openai_server.script.api_key not in created.text
    pid = body["id"]
    duplicate = client.post("/api/v1/assistant/providers", json=provider_body(openai_server))
    assert duplicate.status_code == 409
    changed = client.patch(f"/api/v1/assistant/providers/{pid}", json={"priority": 5})
    assert changed.json()["priority"] == 5 and changed.json()["has_api_key"]
    test = client.post(f"/api/v1/assistant/providers/{pid}/test").json()
    assert test["ok"] and test["models"] == ["standin-large", "standin-small"]
    models = client.get(f"/api/v1/assistant/providers/{pid}/models")
    assert models.json() == ["standin-large", "standin-small"]
    client.patch(f"/api/v1/assistant/providers/{pid}", json={"api_key": "wrong"})
    test = client.post(f"/api/v1/assistant/providers/{pid}/test").json()
    assert test == {
        "ok": False,
        "message": "authentication failed (401): check the API key",
        "models": [],
        "latency_ms": 0.0,
    }
    failed = client.get(f"/api/v1/assistant/providers/{pid}/models")
    assert failed.status_code == 502 and failed.json()["error"]["code"] == "provider_error"
    assert client.get("/api/v1/assistant/status").json()["configured"] is True
    assert client.delete(f"/api/v1/assistant/providers/{pid}").status_code == 204
    assert client.get("/api/v1/assistant/providers").json() == []


def test_chat_streams_sse_and_the_edit_can_be_applied_and_undone(alice, openai_server):
    client, base = alice
    client.post("/api/v1/assistant/providers", json=provider_body(openai_server))
    openai_server.script.add(Reply(text="Swapping.\n" + EDIT, prompt_tokens=50))
    res = client.post(
        f"{base}/chat", json={"message": "swap the operands", "current_file": {"path": "calc.py"}}
    )
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/event-stream")
    events = sse(res.text)
    kinds = [k for k, _ in events]
    assert kinds[:2] == ["start", "provider"] and kinds[-1] == "done"
    assert events[0][1]["context"]["versions"]["calc.py"]
    text = "".join(d["text"] for k, d in events if k == "delta")
    assert text == "Swapping.\n" + EDIT
    done = events[-1][1]
    assert done["prompt_tokens"] == 50
    (proposal,) = done["proposals"]
    applied = client.post(f"{base}/proposals/{proposal['id']}/apply")
    assert applied.status_code == 200, applied.text
    content = client.get(f"{base.rsplit('/', 1)[0]}/files/content", params={"path": "calc.py"})
    assert "return b + a" in content.json()["content"]
    again = client.post(f"{base}/proposals/{proposal['id']}/apply")
    assert again.status_code == 409 and again.json()["error"]["code"] == "edit_not_applied"
    undo = client.post(f"{base}/applied/{applied.json()['id']}/undo")
    assert undo.status_code == 200 and undo.json()["undone_at"]
    content = client.get(f"{base.rsplit('/', 1)[0]}/files/content", params={"path": "calc.py"})
    assert content.json()["content"] == CALC
    history = client.get(f"{base}/conversations").json()
    assert history[0]["prompt_tokens"] == 50
    full = client.get(f"{base}/conversations/{done['conversation_id']}").json()
    assert [m["role"] for m in full["messages"]] == ["user", "assistant"]
    assert full["messages"][1]["proposals"][0]["status"] == "undone"


def test_chat_without_streaming_and_reject(alice, openai_server):
    client, base = alice
    client.post("/api/v1/assistant/providers", json=provider_body(openai_server))
    openai_server.script.add(EDIT)
    res = client.post(f"{base}/chat", params={"stream": "false"}, json={"message": "hi"})
    assert res.status_code == 200, res.text
    (proposal,) = res.json()["proposals"]
    rejected = client.post(f"{base}/proposals/{proposal['id']}/reject")
    assert rejected.json()["status"] == "rejected"
    assert client.post(f"{base}/proposals/{proposal['id']}/apply").status_code == 409


def test_no_provider_is_a_clear_409(alice):
    client, base = alice
    res = client.post(f"{base}/chat", json={"message": "hi"})
    assert res.status_code == 409
    error = res.json()["error"]
    assert error["code"] == "no_provider" and "http://127.0.0.1:11434/v1" in error["message"]


def test_context_preview_shows_the_budget(alice):
    client, base = alice
    res = client.post(
        f"{base}/context",
        json={"message": "why?", "budget_tokens": 5000, "current_file": {"path": "calc.py"}},
    )
    report = res.json()
    assert report["budget_tokens"] == 5000 and report["used_tokens"] <= 5000
    assert [p["kind"] for p in report["parts"]] == ["instructions", "question", "current_file"]


def test_foreign_projects_are_404(alice, make_user, login, openai_server):
    client, base = alice
    client.post("/api/v1/assistant/providers", json=provider_body(openai_server))
    openai_server.script.add(EDIT)
    done = client.post(f"{base}/chat", params={"stream": "false"}, json={"message": "x"}).json()
    proposal = done["proposals"][0]["id"]
    mallory = login(make_user("mallory"))
    mallory.post("/api/v1/assistant/providers", json=provider_body(openai_server))
    for method, path, body in [
        ("post", f"{base}/chat", {"message": "hi"}),
        ("post", f"{base}/context", {}),
        ("get", f"{base}/conversations", None),
        ("get", f"{base}/conversations/{done['conversation_id']}", None),
        ("post", f"{base}/proposals/{proposal}/apply", None),
        ("post", f"{base}/proposals/{proposal}/reject", None),
        ("post", f"{base}/applied/1/undo", None),
        ("post", f"{base}/messages/{done['id']}/stop", None),
    ]:
        res = mallory.request(method.upper(), path, json=body)
        assert res.status_code == 404, (path, res.text)
    other = mallory.get("/api/v1/assistant/providers").json()
    assert len(other) == 1
    res = mallory.patch(f"/api/v1/assistant/providers/{other[0]['id'] - 1}", json={"priority": 1})
    assert res.status_code == 404
