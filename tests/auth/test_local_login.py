"""Local mode: one user, signed in only from a browser on this machine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from vibe.api import create_api
from vibe.auth.deps import SESSION_COOKIE
from vibe.core.config import get_settings

ORIGIN = "http://127.0.0.1:3000"
LOCAL = "/api/v1/auth/local"


@pytest.fixture
def here(db: str) -> Iterator[TestClient]:
    """A client whose address is loopback, like a browser on the same laptop."""
    with TestClient(create_api(), base_url=ORIGIN, client=("127.0.0.1", 50123)) as client:
        yield client


def test_local_login_from_this_machine(here):
    res = here.post(LOCAL, headers={"Origin": ORIGIN}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/projects"
    assert "HttpOnly" in res.headers["set-cookie"]
    me = here.get("/api/v1/auth/me").json()
    assert me["username"] == "local" and me["name"] == "Local user"


def test_local_login_honours_safe_next(here):
    res = here.post(f"{LOCAL}?next=//evil.com", headers={"Origin": ORIGIN}, follow_redirects=False)
    assert res.headers["location"] == "/projects"
    res = here.post(f"{LOCAL}?next=/profile", headers={"Origin": ORIGIN}, follow_redirects=False)
    assert res.headers["location"] == "/profile"


def test_local_login_refused_from_another_machine(api):
    res = api.post(LOCAL, headers={"Origin": ORIGIN}, follow_redirects=False)
    assert res.status_code == 403
    assert res.json()["error"]["message"] == "local sign-in is only available from this machine"
    assert SESSION_COOKIE not in res.headers.get("set-cookie", "")


def test_local_login_refused_through_a_proxy_for_a_stranger(here):
    headers = {"Origin": ORIGIN, "X-Forwarded-For": "203.0.113.9"}
    assert here.post(LOCAL, headers=headers, follow_redirects=False).status_code == 403


@pytest.mark.parametrize("origin", [None, "https://evil.example"])
def test_local_login_is_not_csrfable(here, origin):
    headers = {"Origin": origin} if origin else {}
    res = here.post(LOCAL, headers=headers, follow_redirects=False)
    assert res.status_code == 403
    assert here.get("/api/v1/auth/me").status_code == 401


def test_browser_form_gets_a_readable_redirect(api):
    headers = {"Origin": ORIGIN, "Accept": "text/html,application/xhtml+xml"}
    res = api.post(LOCAL, headers=headers, follow_redirects=False)
    assert res.status_code == 303
    assert res.headers["location"].startswith("/login?error=local+sign-in+is+only")


def test_local_login_off_when_oauth_is_configured(here, monkeypatch):
    monkeypatch.setenv("VIBE_GITHUB_CLIENT_ID", "id")
    monkeypatch.setenv("VIBE_GITHUB_CLIENT_SECRET", "secret")
    get_settings.cache_clear()
    res = here.post(LOCAL, headers={"Origin": ORIGIN}, follow_redirects=False)
    assert res.status_code == 403 and "turned off" in res.json()["error"]["message"]
    monkeypatch.setenv("VIBE_ALLOW_LOCAL_LOGIN", "true")
    get_settings.cache_clear()
    assert here.post(LOCAL, headers={"Origin": ORIGIN}, follow_redirects=False).status_code == 303
