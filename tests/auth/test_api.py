"""The auth API: who is calling, sessions, tokens, and the refusals around them."""

from __future__ import annotations

import pytest

from vibe.auth import service
from vibe.auth.deps import SESSION_COOKIE

ORIGIN = "http://127.0.0.1:3000"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _token(session, user, scopes=("read", "write"), name="ci") -> str:
    _row, clear = service.create_api_token(user, name, session=session, scopes=list(scopes))
    session.commit()
    return clear


# --- who is calling -----------------------------------------------------------------------------


def test_me_with_cookie(login, make_user):
    client = login(make_user("alice"))
    body = client.get("/api/v1/auth/me").json()
    assert body["username"] == "alice" and body["auth"] == "session"


def test_me_with_bearer_token(api, session, make_user):
    token = _token(session, make_user("alice"), scopes=["read"])
    body = api.get("/api/v1/auth/me", headers=_bearer(token)).json()
    assert body["auth"] == "token" and body["scopes"] == ["read"]


def test_anonymous_is_401(api):
    res = api.get("/api/v1/auth/me")
    assert res.status_code == 401
    assert res.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("header", ["Bearer vibe_nope", "Bearer ", "Basic abc", "Bearer ghp_x"])
def test_bad_authorization_is_401(api, header):
    res = api.get("/api/v1/auth/me", headers={"Authorization": header})
    assert res.status_code == 401
    assert set(res.json()["error"]) >= {"code", "message"}


def test_revoked_token_stops_working(api, session, make_user):
    alice = make_user("alice")
    row, clear = service.create_api_token(alice, "ci", session=session)
    session.commit()
    assert api.get("/api/v1/auth/me", headers=_bearer(clear)).status_code == 200
    assert api.delete(f"/api/v1/auth/tokens/{row.id}", headers=_bearer(clear)).status_code == 204
    assert api.get("/api/v1/auth/me", headers=_bearer(clear)).status_code == 401


def test_cookie_post_needs_our_origin(login, make_user):
    client = login(make_user("alice"))
    body = {"name": "x"}
    client.headers["Origin"] = "https://evil.example"
    res = client.post("/api/v1/auth/tokens", json=body)
    assert res.status_code == 403 and "cross-origin" in res.json()["error"]["message"]
    del client.headers["Origin"]
    assert client.post("/api/v1/auth/tokens", json=body).status_code == 403
    client.headers["Origin"] = ORIGIN
    assert client.post("/api/v1/auth/tokens", json=body).status_code == 201


def test_bearer_post_needs_no_origin(api, session, make_user):
    alice = make_user("alice")
    row, _ = service.create_api_token(alice, "victim", session=session)
    token = _token(session, alice, scopes=["write"], name="writer")
    assert api.delete(f"/api/v1/auth/tokens/{row.id}", headers=_bearer(token)).status_code == 204


def test_read_only_token_cannot_write(api, session, make_user):
    alice = make_user("alice")
    row, _ = service.create_api_token(alice, "victim", session=session)
    token = _token(session, alice, scopes=["read"], name="reader")
    assert api.get("/api/v1/auth/tokens", headers=_bearer(token)).status_code == 200
    res = api.delete(f"/api/v1/auth/tokens/{row.id}", headers=_bearer(token))
    assert res.status_code == 403 and "'write' scope" in res.json()["error"]["message"]


def test_write_token_cannot_mint_tokens_but_admin_token_can(api, session, make_user):
    admin = make_user("alice")
    writer = _token(session, admin, scopes=["read", "write"], name="w")
    res = api.post("/api/v1/auth/tokens", json={"name": "more"}, headers=_bearer(writer))
    assert res.status_code == 403
    root = _token(session, admin, scopes=["admin"], name="root")
    res = api.post("/api/v1/auth/tokens", json={"name": "more"}, headers=_bearer(root))
    assert res.status_code == 201


# --- tokens -----------------------------------------------------------------------------------


def test_create_list_revoke_token(login, make_user):
    client = login(make_user("alice"))
    res = client.post(
        "/api/v1/auth/tokens", json={"name": "ci", "scopes": ["read"], "expires_in_days": 7}
    )
    assert res.status_code == 201
    created = res.json()
    assert created["token"].startswith(created["prefix"]) and created["scopes"] == ["read"]
    assert created["expires_at"] is not None
    listed = client.get("/api/v1/auth/tokens").json()
    assert [t["name"] for t in listed] == ["ci"] and "token" not in listed[0]
    me = client.get("/api/v1/auth/me", headers=_bearer(created["token"])).json()
    assert me["username"] == "alice"
    assert client.delete(f"/api/v1/auth/tokens/{created['id']}").status_code == 204
    assert client.get("/api/v1/auth/tokens").json() == []


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x" * 101},
        {"name": "ok", "scopes": ["root"]},
        {"name": "ok", "scopes": []},
        {"name": "ok", "expires_in_days": 0},
        {"scopes": ["read"]},
    ],
)
def test_token_body_is_validated(login, make_user, body):
    res = login(make_user("alice")).post("/api/v1/auth/tokens", json=body)
    assert res.status_code == 422
    assert res.json()["error"]["code"] == "invalid"


def test_non_admin_cannot_create_admin_token(login, make_user):
    make_user("root")
    res = login(make_user("bob")).post(
        "/api/v1/auth/tokens", json={"name": "x", "scopes": ["admin"]}
    )
    assert res.status_code == 400
    assert "administrators" in res.json()["error"]["message"]


def test_foreign_token_is_404(login, session, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    row, _ = service.create_api_token(alice, "ci", session=session)
    session.commit()
    res = login(bob).delete(f"/api/v1/auth/tokens/{row.id}")
    assert res.status_code == 404 and res.json()["error"]["code"] == "not_found"


# --- sessions, identities, logout ---------------------------------------------------------------


def test_sessions_mark_current_and_revoke_other(login, session, make_user):
    alice = make_user("alice")
    other = service.start_session(alice, session=session, user_agent="other browser")
    session.commit()
    client = login(alice)
    rows = client.get("/api/v1/auth/sessions").json()
    assert len(rows) == 2 and sum(r["current"] for r in rows) == 1
    other_id = next(r["id"] for r in rows if not r["current"])
    res = client.delete(f"/api/v1/auth/sessions/{other_id}")
    assert res.status_code == 204 and SESSION_COOKIE not in res.headers.get("set-cookie", "")
    assert service.user_for_session(other, session=session) is None
    assert client.get("/api/v1/auth/me").status_code == 200


def test_revoking_current_session_signs_out(login, make_user):
    client = login(make_user("alice"))
    current = client.get("/api/v1/auth/sessions").json()[0]
    res = client.delete(f"/api/v1/auth/sessions/{current['id']}")
    assert res.status_code == 204
    assert f'{SESSION_COOKIE}=""' in res.headers["set-cookie"]
    assert client.get("/api/v1/auth/me").status_code == 401


def test_foreign_session_is_404(login, session, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    service.start_session(alice, session=session)
    session.commit()
    alice_row = service.list_sessions(alice, session=session)[0]
    assert login(bob).delete(f"/api/v1/auth/sessions/{alice_row.id}").status_code == 404


def test_identities_hide_provider_tokens(login, session):
    user = service.upsert_identity(
        service.ProviderProfile(
            provider="github", subject="1", login="alice", access_token="gho_secret"
        ),
        session=session,
    )
    session.commit()
    rows = login(user).get("/api/v1/auth/identities").json()
    assert [(r["provider"], r["login"]) for r in rows] == [("github", "alice")]
    assert "gho_secret" not in str(rows) and "access_token_enc" not in rows[0]


def test_logout_ends_session(login, session, make_user):
    client = login(make_user("alice"))
    token = client.cookies[SESSION_COOKIE]
    res = client.post("/api/v1/auth/logout")
    assert res.status_code == 204
    assert service.user_for_session(token, session=session) is None
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.post("/api/v1/auth/logout").status_code == 204  # twice is harmless


def test_logout_from_other_site_is_refused(login, session, make_user):
    client = login(make_user("alice"))
    client.headers["Origin"] = "https://evil.example"
    assert client.post("/api/v1/auth/logout").status_code == 403
    del client.headers["Origin"]
    assert client.get("/api/v1/auth/me").status_code == 200


def test_read_only_token_cannot_post(api, session, make_user):
    token = _token(session, make_user("alice"), scopes=["read"], name="reader")
    res = api.post("/api/v1/auth/tokens", json={"name": "x"}, headers=_bearer(token))
    assert res.status_code == 403
    assert res.json()["error"] == {
        "code": "forbidden",
        "message": "this token lacks the 'write' scope",
    }
