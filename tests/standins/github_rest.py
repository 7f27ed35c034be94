"""GitHub REST stand-in for the GitHub MCP server, over HTTPS with a self-signed certificate.

github-enterprise-mcp-server only talks to ``https://`` endpoints, so this serves on loopback
with a certificate generated per run (``cryptography``) for 127.0.0.1; the server trusts it
through ``NODE_EXTRA_CA_CERTS``, as it would a company's private CA. Routes: ``/api/v3/user``
(checked at the server's start-up), ``/repos/{o}/{r}`` and ``/repos/{o}/{r}/contents/{path}``,
with the official response shapes (trimmed to the fields clients read).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.standins.github import DEFAULT_USER

NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1/localhost, valid for a day; (cert, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vibe-test-github")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "github-standin.pem", folder / "github-standin.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _repo(base: str, owner: str, name: str) -> dict[str, Any]:
    api = f"{base}/api/v3/repos/{owner}/{name}"
    return {
        "id": 1296269,
        "name": name,
        "full_name": f"{owner}/{name}",
        "owner": {"login": owner, "id": DEFAULT_USER["id"], "type": "User"},
        "private": False,
        "html_url": f"{base}/{owner}/{name}",
        "url": api,
        "default_branch": "main",
        "visibility": "public",
    }


def _content(base: str, owner: str, repo: str, path: str, data: bytes) -> dict[str, Any]:
    sha = hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()
    api = f"{base}/api/v3/repos/{owner}/{repo}/contents/{path}"
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(data),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": base64.encodebytes(data).decode(),
        "sha": sha,
        "url": api,
        "html_url": f"{base}/{owner}/{repo}/blob/main/{path}",
        "download_url": f"{base}/raw/{owner}/{repo}/main/{path}",
    }


def create_app(*, token: str, files: dict[str, bytes]) -> Starlette:
    """Answers for ``token`` only; ``files`` maps "owner/repo/path" to bytes."""
    repos = {"/".join(key.split("/")[:2]) for key in files}

    def authed(request: Request) -> bool:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() in ("token", "bearer") and value == token

    def base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def user(request: Request) -> Response:
        if not authed(request):
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        headers = {"X-OAuth-Scopes": "repo, read:org"}
        return JSONResponse({**DEFAULT_USER, "avatar_url": ""}, headers=headers)

    async def repo(request: Request) -> Response:
        owner, name = request.path_params["owner"], request.path_params["repo"]
        if not authed(request) or f"{owner}/{name}" not in repos:
            return JSONResponse(NOT_FOUND, status_code=404)
        return JSONResponse(_repo(base(request), owner, name))

    async def contents(request: Request) -> Response:
        p = request.path_params
        data = files.get(f"{p['owner']}/{p['repo']}/{p['path']}")
        if not authed(request) or data is None:
            return JSONResponse(NOT_FOUND, status_code=404)
        return JSONResponse(_content(base(request), p["owner"], p["repo"], p["path"], data))

    return Starlette(
        routes=[
            Route("/api/v3/user", user),
            Route("/api/v3/repos/{owner}/{repo}", repo),
            Route("/api/v3/repos/{owner}/{repo}/contents/{path:path}", contents),
        ]
    )


@contextmanager
def serve_https(app: Starlette, cert: Path, key: Path) -> Iterator[str]:
    """Serve ``app`` over TLS on 127.0.0.1:<ephemeral>; yield ``https://127.0.0.1:PORT``."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        access_log=False,
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the GitHub REST stand-in did not start")
        time.sleep(0.01)
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
