"""Pure helpers behind the profile page and the post-sign-in redirect."""

from __future__ import annotations

from datetime import timedelta

import pytest

from vibe.auth.oauth import safe_next
from vibe.auth.profile_state import device, when
from vibe.core.db import utcnow

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/140.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/projects/demo?tab=files", "/projects/demo?tab=files"),
        ("/profile", "/profile"),
        (None, "/projects"),
        ("", "/projects"),
        ("//evil.com", "/projects"),
        ("/\\evil.com", "/projects"),
        ("https://evil.com", "/projects"),
        ("javascript:alert(1)", "/projects"),
        ("/ok\r\nSet-Cookie: x=1", "/projects"),
    ],
)
def test_safe_next(value, expected):
    assert safe_next(value) == expected


@pytest.mark.parametrize(
    ("ua", "expected"),
    [(FIREFOX, "Firefox on Linux"), (CHROME_MAC, "Chrome on macOS"), ("", "Unknown device")],
)
def test_device(ua, expected):
    assert device(ua) == expected


def test_when_reads_like_a_person_would_say_it():
    now = utcnow()
    assert when(None) == "never"
    assert when(now) == "just now"
    assert when(now - timedelta(hours=3, seconds=5)) == "3 hours ago"
    assert when(now + timedelta(days=5, minutes=1)) == "in 5 days"
    assert when(now - timedelta(days=400)) == (now - timedelta(days=400)).strftime("%d %b %Y")
