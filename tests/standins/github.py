"""GitHub OAuth App stand-in: authorize, token exchange, /user and /user/emails.

The authorize step approves at once as a fixed test user (what a person clicking "Authorize"
would do). Response shapes follow docs.github.com: the token endpoint answers 200 even for
errors, with JSON only when asked for it, and REST errors carry ``message``/``documentation_url``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.standins.server import (
    AVATAR_SVG,
    Grant,
    OAuthGrants,
    bearer,
    client_credentials,
    local_urls,
)

DOCS = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"

DEFAULT_USER: dict[str, Any] = {
    "login": "octocat",
    "id": 583231,
    "node_id": "MDQ6VXNlcjU4MzIzMQ==",
    "avatar_url": "{base}/avatars/u/583231?v=4",
    "gravatar_id": "",
    "url": "https://api.github.com/users/octocat",
    "html_url": "https://github.com/octocat",
    "type": "User",
    "site_admin": False,
    "name": "The Octocat",
    "company": "@github",
    "blog": "https://github.blog",
    "location": "San Francisco",
    "email": None,  # private email: clients must ask /user/emails
    "hireable": None,
    "bio": None,
    "public_repos": 8,
    "followers": 10,
    "following": 9,
    "created_at": "2011-01-25T18:44:36Z",
    "updated_at": "2026-01-01T00:00:00Z",
}
DEFAULT_EMAILS = [
    {"email": "octocat@github.com", "primary": True, "verified": True, "visibility": "private"},
    {"email": "octo@example.com", "primary": False, "verified": True, "visibility": None},
]


def create_app(
    *,
    user: dict | None = None,
    emails: list[dict] | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> Starlette:
    """A GitHub stand-in that signs in ``user`` (merged over the octocat default)."""
    profile = {**DEFAULT_USER, **(user or {})}
    mailbox = DEFAULT_EMAILS if emails is None else emails
    grants = OAuthGrants()

    def _client_ok(cid: str, secret: str | None = None) -> bool:
        """Any client is welcome unless the test pinned its credentials."""
        if not cid or (client_id is not None and cid != client_id):
            return False
        return secret is None or client_secret is None or secret == client_secret

    async def authorize(request: Request) -> Response:
        q = request.query_params
        if not _client_ok(q.get("client_id", "")) or not q.get("redirect_uri"):
            return PlainTextResponse("unknown client or missing redirect_uri", status_code=404)
        if q.get("code_challenge") and q.get("code_challenge_method") != "S256":
            return _redirect(q["redirect_uri"], error="invalid_request", state=q.get("state"))
        code = grants.issue_code(
            Grant(
                client_id=q["client_id"],
                redirect_uri=q["redirect_uri"],
                challenge=q.get("code_challenge", ""),
                method="S256",
                scope=q.get("scope", ""),
            )
        )
        return _redirect(q["redirect_uri"], code=code, state=q.get("state"))

    async def access_token(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        cid, secret = client_credentials(dict(request.headers), form)
        if not _client_ok(cid, secret):
            return _token_reply(request, _error("incorrect_client_credentials"))
        grant = grants.redeem(
            form.get("code", ""),
            client_id=cid,
            redirect_uri=form.get("redirect_uri"),
            verifier=form.get("code_verifier"),
        )
        if grant is None:
            return _token_reply(request, _error("bad_verification_code"))
        scope = ",".join(grant.scope.split())
        token = grants.issue_token("gho_", scope)
        return _token_reply(
            request, {"access_token": token, "token_type": "bearer", "scope": scope}
        )

    def _authed(request: Request) -> bool:
        return grants.knows(bearer(dict(request.headers)))

    async def get_user(request: Request) -> Response:
        if not _authed(request):
            return _bad_credentials()
        return JSONResponse(local_urls(profile, str(request.base_url).rstrip("/")))

    async def get_emails(request: Request) -> Response:
        return JSONResponse(mailbox) if _authed(request) else _bad_credentials()

    app = Starlette(
        routes=[
            Route("/login/oauth/authorize", authorize),
            Route("/login/oauth/access_token", access_token, methods=["POST"]),
            Route("/api/v3/user", get_user),
            Route("/api/v3/user/emails", get_emails),
            Route("/avatars/u/{uid}", lambda _r: Response(AVATAR_SVG, media_type="image/svg+xml")),
        ]
    )
    app.state.grants = grants
    return app


def _redirect(uri: str, **params: str | None) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    sep = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{sep}{query}", status_code=302)


def _error(code: str) -> dict[str, str]:
    text = {
        "bad_verification_code": "The code passed is incorrect or expired.",
        "incorrect_client_credentials": "The client_id and/or client_secret passed are incorrect.",
    }[code]
    return {"error": code, "error_description": text, "error_uri": DOCS}


def _token_reply(request: Request, body: dict[str, str]) -> Response:
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(body)
    return PlainTextResponse(urlencode(body), media_type="application/x-www-form-urlencoded")


def _bad_credentials() -> JSONResponse:
    return JSONResponse(
        {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
        status_code=401,
    )
