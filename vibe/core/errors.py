"""Errors that services raise and the edges (API, UI) turn into a clear message.

Services never know about HTTP; each error carries the status the API should answer with, so the
mapping lives in one place instead of in every router.
"""

from __future__ import annotations


class VibeError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class ValidationFailed(VibeError):
    status = 400
    code = "invalid"


class Unauthorized(VibeError):
    status = 401
    code = "unauthorized"


class Forbidden(VibeError):
    status = 403
    code = "forbidden"


class NotFound(VibeError):
    status = 404
    code = "not_found"


class Conflict(VibeError):
    status = 409
    code = "conflict"


class TooLarge(VibeError):
    status = 413
    code = "too_large"


class RateLimited(VibeError):
    status = 429
    code = "rate_limited"


class ServiceUnavailable(VibeError):
    status = 503
    code = "unavailable"
