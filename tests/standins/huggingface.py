"""Hugging Face "Sign in with HF" stand-in: OIDC discovery, authorize, token, userinfo.

Discovery points at the stand-in's own base URL (taken from the request), so the app only needs
``hf_metadata_url``. Without the ``openid`` scope no id_token is issued, as on the real Hub, and
the client reads who signed in from userinfo.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.standins.server import (
    AVATAR_SVG,
    Grant,
    OAuthGrants,
    bearer,
    client_credentials,
    local_urls,
)

DEFAULT_USER: dict[str, Any] = {
    "sub": "6523b1d5e1f2a3b4c5d6e7f8",
    "name": "Hugging Tester",
    "preferred_username": "hugtester",
    "profile": "https://huggingface.co/hugtester",
    "picture": "{base}/avatars/hugtester.svg",
    "website": "",
    "email": "hugtester@example.com",
    "email_verified": True,
    "isPro": False,
    "canPay": False,
    "orgs": [],
}


def create_app(
    *,
    user: dict | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> Starlette:
    """An HF OAuth stand-in that signs in ``user`` (merged over a default account)."""
    profile = {**DEFAULT_USER, **(user or {})}
    grants = OAuthGrants()

    def _client_ok(cid: str, secret: str | None = None) -> bool:
        """Any client is welcome unless the test pinned its credentials."""
        if not cid or (client_id is not None and cid != client_id):
            return False
        return secret is None or client_secret is None or secret == client_secret

    async def discovery(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/oauth/authorize",
                "token_endpoint": f"{base}/oauth/token",
                "userinfo_endpoint": f"{base}/oauth/userinfo",
                "jwks_uri": f"{base}/oauth/jwks",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "scopes_supported": ["openid", "profile", "email", "read-repos", "write-repos"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def authorize(request: Request) -> Response:
        q = request.query_params
        if not _client_ok(q.get("client_id", "")) or not q.get("redirect_uri"):
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        if q.get("response_type") != "code":
            return _redirect(
                q["redirect_uri"], error="unsupported_response_type", state=q.get("state")
            )
        code = grants.issue_code(
            Grant(
                client_id=q["client_id"],
                redirect_uri=q["redirect_uri"],
                challenge=q.get("code_challenge", ""),
                method=q.get("code_challenge_method", "plain"),
                scope=q.get("scope", ""),
            )
        )
        return _redirect(q["redirect_uri"], code=code, state=q.get("state"))

    async def token(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        cid, secret = client_credentials(dict(request.headers), form)
        if not _client_ok(cid, secret):
            return _oauth_error("invalid_client", "Client authentication failed", 401)
        if form.get("grant_type") != "authorization_code":
            return _oauth_error("unsupported_grant_type", "Only authorization_code", 400)
        grant = grants.redeem(
            form.get("code", ""),
            client_id=cid,
            redirect_uri=form.get("redirect_uri"),
            verifier=form.get("code_verifier"),
        )
        if grant is None:
            return _oauth_error("invalid_grant", "Invalid code or code_verifier", 400)
        access = grants.issue_token("hf_oauth_", grant.scope)
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 28800,
                "scope": grant.scope,
            }
        )

    async def userinfo(request: Request) -> Response:
        if not grants.knows(bearer(dict(request.headers))):
            return _oauth_error("invalid_token", "Invalid access token", 401)
        return JSONResponse(local_urls(profile, str(request.base_url).rstrip("/")))

    app = Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/oauth/authorize", authorize),
            Route("/oauth/token", token, methods=["POST"]),
            Route("/oauth/userinfo", userinfo, methods=["GET", "POST"]),
            Route("/oauth/jwks", lambda _r: JSONResponse({"keys": []})),
            Route("/avatars/{name}", lambda _r: Response(AVATAR_SVG, media_type="image/svg+xml")),
        ]
    )
    app.state.grants = grants
    return app


def _redirect(uri: str, **params: str | None) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    sep = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{sep}{query}", status_code=302)


def _oauth_error(code: str, description: str, status: int) -> Response:
    return JSONResponse({"error": code, "error_description": description}, status_code=status)
