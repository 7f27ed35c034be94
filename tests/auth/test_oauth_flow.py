"""The real authlib flow against the GitHub and Hugging Face stand-ins, redirects followed by hand.

Following each hop ourselves lets the tests tamper with the one hop they are about, and check
that the app never sends the browser off-site.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from sqlmodel import select

from tests.standins import github, huggingface
from tests.standins.server import serve
from vibe.auth.deps import SESSION_COOKIE
from vibe.auth.models import Identity
from vibe.core.config import get_settings

APP = "http://127.0.0.1:3000"


def _configure_github(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("VIBE_GITHUB_CLIENT_ID", "gh-client")
    monkeypatch.setenv("VIBE_GITHUB_CLIENT_SECRET", "gh-secret")
    monkeypatch.setenv("VIBE_GITHUB_AUTHORIZE_URL", f"{url}/login/oauth/authorize")
    monkeypatch.setenv("VIBE_GITHUB_TOKEN_URL", f"{url}/login/oauth/access_token")
    monkeypatch.setenv("VIBE_GITHUB_API_URL", f"{url}/api/v3")
    get_settings.cache_clear()


def _configure_hf(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("VIBE_HF_CLIENT_ID", "hf-client")
    monkeypatch.setenv("VIBE_HF_CLIENT_SECRET", "hf-secret")
    monkeypatch.setenv("VIBE_HF_METADATA_URL", f"{url}/.well-known/openid-configuration")
    get_settings.cache_clear()


@pytest.fixture
def gh(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    app = github.create_app(client_id="gh-client", client_secret="gh-secret")
    with serve(app) as url:
        _configure_github(monkeypatch, url)
        yield url


@pytest.fixture
def hf(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    app = huggingface.create_app(client_id="hf-client", client_secret="hf-secret")
    with serve(app) as url:
        _configure_hf(monkeypatch, url)
        yield url


def _authorize(api, start: str) -> str:
    """Start sign-in on the app and let the stand-in approve; return the callback URL."""
    res = api.get(start, follow_redirects=False)
    assert res.status_code == 302, res.text
    consent = res.headers["location"]
    query = parse_qs(urlsplit(consent).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"][0].startswith(f"{APP}/api/v1/auth/callback/")
    hop = httpx.get(consent, follow_redirects=False)
    assert hop.status_code == 302, hop.text
    return hop.headers["location"]


def _sign_in(api, provider: str, next_path: str | None = None) -> httpx.Response:
    start = f"/api/v1/auth/login/{provider}"
    if next_path is not None:
        start += "?" + urlencode({"next": next_path})
    return api.get(_authorize(api, start), follow_redirects=False)


def _error_of(res: httpx.Response) -> str:
    assert res.status_code == 303
    parts = urlsplit(res.headers["location"])
    assert parts.path == "/login" and not parts.netloc
    return parse_qs(parts.query)["error"][0]


def test_github_sign_in_sets_session_cookie(api, gh):
    res = _sign_in(api, "github", "/projects/demo")
    assert res.status_code == 303
    assert res.headers["location"] == "/projects/demo"
    cookie = res.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=" in cookie
    me = api.get("/api/v1/auth/me").json()
    assert me["username"] == "octocat"
    assert me["name"] == "The Octocat"
    assert me["email"] == "octocat@github.com"  # private email read from /user/emails
    assert me["is_admin"] is True  # first account on the instance
    assert me["auth"] == "session"


def test_github_identity_keeps_provider_token_encrypted(api, gh, session):
    _sign_in(api, "github")
    identity = session.exec(select(Identity).where(Identity.provider == "github")).one()
    assert identity.subject == str(github.DEFAULT_USER["id"])
    assert identity.access_token_enc and not identity.access_token_enc.startswith("gho_")
    assert identity.scopes == "read:user user:email"


def test_huggingface_sign_in(api, hf):
    res = _sign_in(api, "huggingface")
    assert res.headers["location"] == "/projects"
    me = api.get("/api/v1/auth/me").json()
    assert me["username"] == "hugtester"
    assert me["email"] == "hugtester@example.com"
    assert me["avatar_url"] == f"{hf}/avatars/hugtester.svg"
    assert httpx.get(me["avatar_url"]).headers["content-type"] == "image/svg+xml"


def test_signed_in_user_links_second_provider(api, gh, hf):
    _sign_in(api, "github")
    first = api.get("/api/v1/auth/me").json()["id"]
    res = _sign_in(api, "huggingface", "/profile")
    assert res.headers["location"] == "/profile"
    assert api.get("/api/v1/auth/me").json()["id"] == first
    providers = {i["provider"] for i in api.get("/api/v1/auth/identities").json()}
    assert providers == {"github", "huggingface"}
    assert len(api.get("/api/v1/auth/sessions").json()) == 1  # the old session was rotated


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com/x", "/\\evil.com", "profile"])
def test_next_never_leaves_the_site(api, gh, target):
    res = _sign_in(api, "github", target)
    assert res.headers["location"] == "/projects"


def test_tampered_state_is_refused(api, gh):
    callback = urlsplit(_authorize(api, "/api/v1/auth/login/github"))
    query = parse_qs(callback.query)
    query["state"] = ["forged" + query["state"][0][:10]]
    forged = urlunsplit(callback._replace(query=urlencode(query, doseq=True)))
    res = api.get(forged, follow_redirects=False)
    assert "expired" in _error_of(res)
    assert SESSION_COOKIE not in res.headers.get("set-cookie", "")
    assert api.get("/api/v1/auth/me").status_code == 401


def test_callback_replay_is_refused(api, gh):
    callback = _authorize(api, "/api/v1/auth/login/github")
    assert api.get(callback, follow_redirects=False).status_code == 303
    api.cookies.clear()
    assert "expired" in _error_of(api.get(callback, follow_redirects=False))


def test_denied_consent_is_reported(api, gh):
    callback = urlsplit(_authorize(api, "/api/v1/auth/login/github"))
    state = parse_qs(callback.query)["state"][0]
    res = api.get(
        f"/api/v1/auth/callback/github?error=access_denied&state={state}", follow_redirects=False
    )
    assert _error_of(res) == "sign-in with GitHub was cancelled"


def test_wrong_client_secret_is_reported(api, gh, monkeypatch):
    monkeypatch.setenv("VIBE_GITHUB_CLIENT_SECRET", "not-the-secret")
    get_settings.cache_clear()
    res = _sign_in(api, "github")
    assert _error_of(res) == "GitHub refused the sign-in (incorrect_client_credentials)"


def test_unreachable_provider_is_reported(api, gh, monkeypatch):
    callback = _authorize(api, "/api/v1/auth/login/github")
    monkeypatch.setenv("VIBE_GITHUB_TOKEN_URL", "http://127.0.0.1:9/login/oauth/access_token")
    get_settings.cache_clear()
    res = api.get(callback, follow_redirects=False)
    assert _error_of(res) == "could not complete sign-in with GitHub; try again"


def test_unconfigured_provider_is_404(api):
    res = api.get("/api/v1/auth/login/github", follow_redirects=False)
    assert res.status_code == 404
    assert res.json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/auth/login/gitlab").status_code == 404


def test_providers_reflect_settings(api, gh):
    assert api.get("/api/v1/auth/providers").json() == {
        "github": True,
        "huggingface": False,
        "local": False,
    }
