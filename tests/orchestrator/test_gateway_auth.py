"""The gateway's token cache: no database work per call, yet a revoked token or a disabled
account stops working at once, and every cache entry expires within seconds anyway."""

from __future__ import annotations

import anyio
import pytest

from vibe.auth import service as auth
from vibe.core.errors import Unauthorized
from vibe.orchestrator import service
from vibe.orchestrator.service import Orchestrator, Principal
from vibe.orchestrator.supervisor import Supervisor


def _authenticate(orch: Orchestrator, token: str):
    return anyio.run(orch.authenticate, token)


def test_tokens_are_cached(admin, token_for, monkeypatch):
    orch = Orchestrator(Supervisor())
    token = token_for(admin)
    first = _authenticate(orch, token)
    monkeypatch.setattr(service, "principal_for_token", lambda _t: pytest.fail("not cached"))
    assert _authenticate(orch, token) == first


def test_a_revoked_token_stops_working_at_once(admin, token_for, session):
    orch = Orchestrator(Supervisor())
    token = token_for(admin)
    principal = _authenticate(orch, token)
    auth.revoke_api_token(admin, int(principal.token_id or 0), session=session)
    session.commit()
    with pytest.raises(Unauthorized):
        _authenticate(orch, token)


def test_a_disabled_account_stops_working_at_once(admin, make_user, token_for, session):
    orch = Orchestrator(Supervisor())
    bob = make_user("bob")
    token = token_for(bob)
    _authenticate(orch, token)
    bob.is_active = False
    session.add(bob)
    session.commit()
    with pytest.raises(Unauthorized):
        _authenticate(orch, token)


def test_cache_entries_expire(admin, token_for, monkeypatch):
    orch = Orchestrator(Supervisor())
    token = token_for(admin)
    _authenticate(orch, token)
    monkeypatch.setattr(service, "TOKEN_CACHE_SECONDS", 0.0)
    orch.forget(user_id=admin.id)  # the entry above still had the longer lifetime
    _authenticate(orch, token)
    fresh = Principal(int(admin.id), token_id=-1)
    calls: list[str] = []
    monkeypatch.setattr(service, "principal_for_token", lambda t: calls.append(t) or fresh)
    assert _authenticate(orch, token) == fresh and calls == [token]
