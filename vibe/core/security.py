"""Hashing, HMAC and encryption at rest.

Opaque random tokens (sessions, API tokens) are stored only as SHA-256 digests: they carry 256
bits of entropy, so a slow password hash would add cost without adding safety.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from vibe.core.config import get_settings


class SecretError(ValueError):
    """A stored secret could not be decrypted (wrong or rotated VIBE_SECRET_KEY)."""


def new_token(prefix: str = "") -> str:
    """A URL-safe random token; the prefix lets users and scanners recognise what it is."""
    return f"{prefix}{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equal(a: str | bytes, b: str | bytes) -> bool:
    a_b = a.encode() if isinstance(a, str) else a
    b_b = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(a_b, b_b)


def hmac_sha256(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _key_file(data_dir: Path) -> Path:
    return data_dir / "secret.key"


def secret_key() -> str:
    """The configured key, or one generated once into the data folder for laptop installs."""
    settings = get_settings()
    if settings.secret_key:
        return settings.secret_key
    path = _key_file(settings.data_dir)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


@cache
def _fernet(key: str) -> Fernet:
    digest = hashlib.sha256(("vibe-fernet:" + key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plain: str) -> str:
    return _fernet(secret_key()).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(secret_key()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretError("stored secret cannot be decrypted with the current key") from exc
