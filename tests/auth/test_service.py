"""Accounts, sessions and API tokens at the service layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from vibe.auth import service
from vibe.auth.models import ApiToken, Identity, LoginSession
from vibe.core import security
from vibe.core.db import utcnow
from vibe.core.errors import Conflict, NotFound, Unauthorized, ValidationFailed


def _profile(login: str, provider: str = "github", **extra) -> service.ProviderProfile:
    return service.ProviderProfile(provider=provider, subject=f"id-{login}", login=login, **extra)


# --- users and identities ----------------------------------------------------------------------


def test_first_user_becomes_admin_and_later_ones_do_not(make_user):
    assert make_user("alice").is_admin is True
    assert make_user("bob").is_admin is False


def test_same_identity_signs_in_the_same_user(session):
    first = service.upsert_identity(_profile("alice", name="Alice"), session=session)
    again = service.upsert_identity(_profile("alice", access_token="t2"), session=session)
    assert again.id == first.id
    identity = session.exec(select(Identity)).one()
    assert security.decrypt(identity.access_token_enc) == "t2"


def test_usernames_stay_unique_across_providers(session):
    gh = service.upsert_identity(_profile("alice"), session=session)
    hf = service.upsert_identity(_profile("alice", provider="huggingface"), session=session)
    assert (gh.username, hf.username) == ("alice", "alice-2")


def test_link_attaches_identity_to_signed_in_user(session, make_user):
    alice = make_user("alice")
    linked = service.upsert_identity(
        _profile("alice-hf", provider="huggingface"), session=session, link_to=alice
    )
    assert linked.id == alice.id
    providers = {i.provider for i in service.list_identities(alice, session=session)}
    assert providers == {"github", "huggingface"}


def test_link_refuses_identity_of_another_user(session, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    bobs = service.ProviderProfile(provider="github", subject="github-bob", login="bob")
    with pytest.raises(Conflict):
        service.upsert_identity(bobs, session=session, link_to=alice)
    assert service.upsert_identity(bobs, session=session).id == bob.id


def test_disabled_user_cannot_sign_in(session, make_user):
    alice = make_user("alice")
    alice.is_active = False
    session.add(alice)
    session.commit()
    with pytest.raises(Unauthorized):
        service.upsert_identity(
            service.ProviderProfile(provider="github", subject="github-alice", login="alice"),
            session=session,
        )


def test_local_user_is_created_once(session):
    first = service.local_user(session=session)
    assert service.local_user(session=session).id == first.id
    assert first.name == "Local user" and first.is_admin


# --- sessions ---------------------------------------------------------------------------------


def test_session_round_trip_and_end(session, make_user):
    alice = make_user("alice")
    token = service.start_session(alice, session=session, user_agent="pytest", ip="127.0.0.1")
    assert service.user_for_session(token, session=session).id == alice.id
    row = service.session_row(token, session=session)
    assert row.token_hash == security.hash_token(token) and token not in row.token_hash
    service.end_session(token, session=session)
    assert service.user_for_session(token, session=session) is None
    assert service.list_sessions(alice, session=session) == []


def test_expired_session_is_refused(session, make_user):
    alice = make_user("alice")
    token = service.start_session(alice, session=session)
    row = service.session_row(token, session=session)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    assert service.user_for_session(token, session=session) is None
    assert service.list_sessions(alice, session=session) == []


def test_unknown_or_empty_session_is_none(session):
    assert service.user_for_session(None, session=session) is None
    assert service.user_for_session("nope", session=session) is None


def test_revoke_session_checks_owner(session, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    token = service.start_session(alice, session=session)
    row_id = service.session_row(token, session=session).id
    with pytest.raises(NotFound):
        service.revoke_session(bob, row_id, session=session)
    assert service.user_for_session(token, session=session) is not None
    service.revoke_session(alice, row_id, session=session)
    assert service.user_for_session(token, session=session) is None


def test_list_sessions_is_per_user(session, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    service.start_session(alice, session=session)
    service.start_session(alice, session=session)
    service.start_session(bob, session=session)
    assert len(service.list_sessions(alice, session=session)) == 2
    assert {s.user_id for s in session.exec(select(LoginSession)).all()} == {alice.id, bob.id}


# --- API tokens -------------------------------------------------------------------------------


def test_token_is_stored_hashed_and_shown_once(session, make_user):
    alice = make_user("alice")
    row, clear = service.create_api_token(alice, "ci", session=session, scopes=["read"])
    assert clear.startswith("vibe_") and row.prefix == clear[:9]
    stored = session.get(ApiToken, row.id)
    assert stored.token_hash == security.hash_token(clear)
    assert clear not in (stored.token_hash, stored.prefix, stored.name)
    listed = service.list_api_tokens(alice, session=session)
    assert [t.id for t in listed] == [row.id] and not hasattr(listed[0], "token")
    user, token = service.user_for_api_token(clear, session=session)
    assert (user.id, token.id) == (alice.id, row.id)
    assert token.last_used_at is not None


def test_expired_token_is_refused(session, make_user):
    _row, clear = service.create_api_token(make_user("alice"), "old", session=session)
    row = session.exec(select(ApiToken)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    with pytest.raises(Unauthorized, match="expired"):
        service.user_for_api_token(clear, session=session)


def test_revoked_token_is_refused_and_foreign_id_is_404(session, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    row, clear = service.create_api_token(alice, "ci", session=session)
    with pytest.raises(NotFound):
        service.revoke_api_token(bob, row.id, session=session)
    with pytest.raises(NotFound):
        service.revoke_api_token(alice, 999_999, session=session)
    service.revoke_api_token(alice, row.id, session=session)
    with pytest.raises(Unauthorized):
        service.user_for_api_token(clear, session=session)
    assert service.list_api_tokens(alice, session=session) == []


@pytest.mark.parametrize("value", ["", "vibe_", "vibe_unknown", "ghp_something"])
def test_unknown_tokens_are_refused(session, value):
    with pytest.raises(Unauthorized):
        service.user_for_api_token(value, session=session)


@pytest.mark.parametrize(
    ("name", "scopes", "days"),
    [(" ", None, 30), ("x" * 101, None, 30), ("ok", ["root"], 30), ("ok", None, 0)],
)
def test_token_validation(session, make_user, name, scopes, days):
    with pytest.raises(ValidationFailed):
        service.create_api_token(
            make_user("alice"), name, session=session, scopes=scopes, expires_in_days=days
        )


def test_only_admins_get_admin_tokens(session, make_user):
    admin, bob = make_user("alice"), make_user("bob")
    row, _ = service.create_api_token(admin, "root", session=session, scopes=["admin"])
    assert row.scopes == "admin"
    with pytest.raises(ValidationFailed):
        service.create_api_token(bob, "root", session=session, scopes=["admin"])


def test_token_without_expiry(session, make_user):
    row, clear = service.create_api_token(
        make_user("alice"), "forever", session=session, expires_in_days=None
    )
    assert row.expires_at is None
    assert service.user_for_api_token(clear, session=session)[1].id == row.id
