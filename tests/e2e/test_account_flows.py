"""A person's first session, end to end, in Chromium against the real app."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, shot


def _sign_in_with_github(page, live_app) -> None:
    page.goto(live_app.url("/login"))
    page.locator("#login-github").click()
    page.wait_for_url(re.compile(r".*/projects/?$"))


def test_github_signin_project_token_signout(page, live_app):
    _sign_in_with_github(page, live_app)
    shot(page, "01-projects-empty")

    # Create a project and see it listed.
    page.locator("#new-project").first.click()
    page.locator("#project-name").fill("Demo App")
    page.locator("#project-description").fill("A project made by the browser test")
    page.locator("#create-project").click()
    card = page.locator("#project-card-demo-app")
    expect(card).to_be_visible()
    shot(page, "02-projects-listed")

    # Rename it in settings.
    page.goto(live_app.url("/projects/demo-app/settings"))
    name = page.locator("#settings-name")
    expect(name).to_have_value("Demo App")
    name.fill("Demo App Renamed")
    page.locator("#save-settings").click()
    expect(page.get_by_text("Saved", exact=False).first).to_be_visible()
    shot(page, "03-settings")
    page.goto(live_app.url("/projects"))
    expect(page.get_by_text("Demo App Renamed").first).to_be_visible()

    # Create an API token, use it, revoke it.
    page.goto(live_app.url("/profile"))
    page.locator("#create-token").click()
    page.locator("#token-name").fill("ci-token")
    page.locator("#create-token-submit").click()
    value = page.locator("#new-token-value")
    expect(value).to_contain_text("vibe_")
    token = value.inner_text().strip()
    shot(page, "04-token-created")
    res = httpx.get(live_app.url("/api/v1/projects"), headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200, res.text
    assert any(p["name"] == "Demo App Renamed" for p in _items(res.json()))
    page.keyboard.press("Escape")
    page.locator("#revoke-token-ci-token").click()
    page.locator("#confirm-revoke").click()
    expect(page.locator("#token-row-ci-token")).to_have_count(0)
    res = httpx.get(live_app.url("/api/v1/projects"), headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 401

    # Sign out: the session is gone and protected pages send us to the login page.
    page.locator("#user-menu").click()
    page.locator("#sign-out").click()
    page.wait_for_url(re.compile(r".*/login.*"))
    page.goto(live_app.url("/projects"))
    page.wait_for_url(re.compile(r".*/login.*"))
    expect(page.locator("#login-github")).to_be_visible()


def test_local_signin(page, live_app):
    page.goto(live_app.url("/login"))
    page.locator("#login-local").click()
    page.wait_for_url(re.compile(r".*/projects/?$"))
    expect(page.locator("#user-menu")).to_contain_text("Local")
    # Stated on every page: the toaster would otherwise compute the direction while rendering.
    assert page.evaluate("[document.documentElement.dir, document.documentElement.lang]") == [
        "ltr",
        "en",
    ]
    shot(page, "05-local-user")


def test_huggingface_signin(page, live_app):
    page.goto(live_app.url("/login"))
    page.locator("#login-hf").click()
    page.wait_for_url(re.compile(r".*/projects/?$"))
    expect(page.locator("#user-menu")).to_be_visible()


def test_api_docs_and_health_are_served(live_app):
    assert httpx.get(live_app.url("/healthz")).json()["status"] == "ok"
    spec = httpx.get(live_app.url("/api/v1/openapi.json")).json()
    assert "/api/v1/projects" in spec["paths"]
    res = httpx.get(live_app.url("/api/v1/nope"))
    assert res.status_code == 404 and res.json()["error"]["code"] == "not_found"


def test_the_built_files_do_not_carry_the_time_of_the_build(live_app):
    """Otherwise every start (each builds) renames the chunks, and browsers fetch them again."""
    assets = sorted((ROOT / ".web/build/client/assets").glob("*.js"))
    assert any(path.name.startswith("context-") for path in assets)
    stamped = [p.name for p in assets if "last_reflex_run_datetime" in p.read_text("utf-8")]
    assert stamped == []


def _items(body):
    return body["items"] if isinstance(body, dict) and "items" in body else body
