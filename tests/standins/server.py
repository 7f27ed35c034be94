"""Run a stand-in ASGI app on a loopback port for the length of a ``with`` block.

Stand-ins are reached over real HTTP so that the real client libraries (authlib, PyGithub,
huggingface_hub) run their own code paths unchanged. The socket is bound before the server starts,
so the URL is known at once and no port can be stolen between choosing and binding it.

``OAuthGrants`` is the authorization-code bookkeeping both OAuth stand-ins share.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.types import ASGIApp

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a background thread; yield its base URL (no trailing /)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"standin-{port}", daemon=True
    )
    thread.start()
    try:
        _wait_started(server, thread)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT)
        sock.close()


def _wait_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("stand-in server stopped while starting")
        if time.monotonic() > deadline:
            raise TimeoutError("stand-in server did not start in time")
        time.sleep(0.01)


def pkce_matches(verifier: str | None, challenge: str, method: str) -> bool:
    """RFC 7636 check; a grant made without a challenge needs no verifier."""
    if not challenge:
        return True
    if not verifier:
        return False
    if method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        expected = verifier
    return secrets.compare_digest(expected, challenge)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    method: str
    scope: str


@dataclass
class OAuthGrants:
    """Codes and access tokens a stand-in has handed out; each code is single use."""

    codes: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> scope
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue_code(self, grant: Grant) -> str:
        code = secrets.token_hex(10)
        with self.lock:
            self.codes[code] = grant
        return code

    def redeem(self, code: str, *, client_id: str, redirect_uri: str | None, verifier: str | None):
        """The grant behind ``code`` if every check passes, else None (code is spent either way)."""
        with self.lock:
            grant = self.codes.pop(code, None)
        if grant is None or grant.client_id != client_id:
            return None
        if redirect_uri is not None and redirect_uri != grant.redirect_uri:
            return None
        if not pkce_matches(verifier, grant.challenge, grant.method):
            return None
        return grant

    def issue_token(self, prefix: str, scope: str) -> str:
        token = prefix + secrets.token_hex(18)
        with self.lock:
            self.tokens[token] = scope
        return token

    def knows(self, token: str) -> bool:
        with self.lock:
            return token in self.tokens


def client_credentials(headers: dict[str, str], form: dict[str, str]) -> tuple[str, str]:
    """Client id and secret from HTTP Basic auth (authlib's default) or the form body."""
    auth = headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        from urllib.parse import unquote

        raw = base64.b64decode(auth[6:]).decode()
        cid, _, secret = raw.partition(":")
        return unquote(cid), unquote(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


AVATAR_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40">'
    '<rect width="40" height="40" fill="#6e7bdc"/><circle cx="20" cy="16" r="7" fill="#fff"/>'
    '<rect x="9" y="26" width="22" height="14" rx="7" fill="#fff"/></svg>'
)


def local_urls(value: object, base: str) -> object:
    """Fill ``{base}`` in a profile's URLs so avatars load from the stand-in, not the internet."""
    if isinstance(value, str):
        return value.replace("{base}", base)
    if isinstance(value, dict):
        return {k: local_urls(v, base) for k, v in value.items()}
    return value


def bearer(headers: dict[str, str]) -> str:
    """The token of ``Authorization: Bearer x`` or GitHub's older ``token x``."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() in ("bearer", "token") else ""
