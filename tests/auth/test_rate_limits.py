"""Sign-in and token creation are rate limited per client address."""

from __future__ import annotations

import pytest

from vibe.core.config import get_settings

LOCAL = "/api/v1/auth/local"


@pytest.fixture
def limit_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIBE_LOGIN_RATE_LIMIT", "2")
    get_settings.cache_clear()


def test_login_attempts_are_limited(api, limit_two):
    for _ in range(2):
        assert api.post(LOCAL).status_code == 403
    res = api.post(LOCAL)
    assert res.status_code == 429
    assert res.json()["error"]["code"] == "rate_limited" and res.headers["retry-after"] == "60"


def test_oauth_start_shares_the_login_budget(api, limit_two):
    for _ in range(2):
        assert api.get("/api/v1/auth/login/github").status_code == 404  # not configured
    assert api.get("/api/v1/auth/callback/github").status_code == 429


def test_token_creation_is_limited(login, make_user, limit_two):
    client = login(make_user("alice"))
    for i in range(2):
        assert client.post("/api/v1/auth/tokens", json={"name": f"t{i}"}).status_code == 201
    assert client.post("/api/v1/auth/tokens", json={"name": "t3"}).status_code == 429


@pytest.mark.redis
def test_limit_is_shared_through_redis(api, limit_two, redis_url):
    from vibe.core import ratelimit

    for _ in range(2):
        api.post(LOCAL)
    ratelimit.reset()  # forget this process's memory: Redis alone must remember
    assert api.post(LOCAL).status_code == 429
