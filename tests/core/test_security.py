"""Secrets at rest and token hashing."""

import pytest

from vibe.core import security
from vibe.core.config import get_settings


def test_encrypt_roundtrip_and_ciphertext_differs():
    token = security.encrypt("gho_secret")
    assert "gho_secret" not in token
    assert security.decrypt(token) == "gho_secret"


def test_decrypt_with_other_key_is_clear_error(monkeypatch):
    token = security.encrypt("x")
    monkeypatch.setenv("VIBE_SECRET_KEY", "another-key")
    get_settings.cache_clear()
    with pytest.raises(security.SecretError):
        security.decrypt(token)


def test_generated_key_persists(monkeypatch, vibe_env):
    monkeypatch.delenv("VIBE_SECRET_KEY")
    get_settings.cache_clear()
    first = security.secret_key()
    assert (vibe_env / "secret.key").stat().st_mode & 0o777 == 0o600
    assert security.secret_key() == first


def test_hash_token_is_stable_and_not_clear():
    assert security.hash_token("abc") == security.hash_token("abc")
    assert security.hash_token("abc") != "abc"
    assert security.constant_time_equal("a", "a") and not security.constant_time_equal("a", "b")
