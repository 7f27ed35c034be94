"""The MCP settings page in a real browser: add the echo server, test it, try a tool, import
a broken config and read the message naming the field."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, shot, wait_until

ECHO = str(Path(ROOT) / "tests" / "standins" / "mcp_echo.py")


def _admin_signed_in(page, live_app) -> None:
    """Sign in locally; make the local account an administrator (the first account is one,
    but another e2e test may have signed someone in first)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIBE_")}
    env.update(VIBE_DATA_DIR=str(live_app.data_dir), VIBE_SECRET_KEY="e2e-secret")
    page.goto(live_app.url("/login"))
    page.locator("#login-local").click()
    page.wait_for_url(re.compile(r".*/projects/?$"))
    subprocess.run(
        [sys.executable, "-m", "vibe.cli", "user", "create-admin", "local"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    # The page read the account when it loaded; the promotion shows from the next load on.
    page.reload()
    page.wait_for_url(re.compile(r".*/projects/?$"))
    expect(page.locator("#user-menu")).to_be_visible()


def test_admin_adds_tests_and_tries_a_server(page, live_app):
    _admin_signed_in(page, live_app)
    page.locator("#user-menu").click()
    page.get_by_role("menuitem", name="MCP servers").click()
    page.wait_for_url(re.compile(r".*/settings/mcp$"))
    expect(page.get_by_text("workspace", exact=True)).to_be_visible()
    shot(page, "mcp-01-servers")

    page.locator("#mcp-add").click()
    page.locator("#mcp-name").fill("echo")
    page.locator("#mcp-command").fill(sys.executable)
    page.locator("#mcp-args").fill(ECHO)
    page.locator("#mcp-test").click()
    expect(page.locator("#mcp-test-result")).to_contain_text("echo", timeout=40_000)
    expect(page.locator("#mcp-test-result")).to_contain_text("Connected")
    shot(page, "mcp-02-test-connection")
    page.locator("#mcp-add-submit").click()
    expect(page.locator("#browse-echo")).to_be_visible()
    # the page follows the new server until it is up and its first check has a latency
    expect(page.locator("#latency-echo")).to_have_text(
        re.compile(r"^\d+(\.\d)? ms$"), timeout=30_000
    )

    page.locator("#browse-echo").click()  # it is up (it has a latency): its tools are listed
    page.locator("#tool-echo").click()
    page.locator("#arg-text").fill("hello from the browser")
    page.locator("#tool-run").click()
    expect(page.locator("#tool-result")).to_contain_text("hello from the browser", timeout=30_000)
    shot(page, "mcp-03-tool-result")

    page.locator("#mcp-import-text").fill('{"mcpServers": {"broken": {"args": ["x"]}}}')
    page.locator("#mcp-import").click()
    error = page.locator("#mcp-import-error")
    expect(error).to_contain_text("mcpServers.broken")
    shot(page, "mcp-04-import-error")


def _add_echo(page, prefix: str) -> str:
    """Add the echo server under a new name; return once it is up and checked (it has a
    latency), so its tools are listed."""
    server = f"{prefix}-{uuid.uuid4().hex[:6]}"
    page.locator("#mcp-add").click()
    page.locator("#mcp-name").fill(server)
    page.locator("#mcp-command").fill(sys.executable)
    page.locator("#mcp-args").fill(ECHO)
    page.locator("#mcp-add-submit").click()
    expect(page.locator(f"#latency-{server}")).to_have_text(
        re.compile(r"^\d+(\.\d)? ms$"), timeout=30_000
    )
    return server


def _run_echo(page, text: str) -> None:
    """Try the browsed server's echo tool and see the text come back."""
    page.locator("#tool-echo").click()
    page.locator("#arg-text").fill(text)
    page.locator("#tool-run").click()
    expect(page.locator("#tool-result")).to_contain_text(text, timeout=30_000)


def test_a_project_owner_adds_a_server_on_the_project_tab(page, live_app):
    page.goto(live_app.url("/login"))
    page.locator("#login-local").click()
    page.wait_for_url(re.compile(r".*/projects/?$"))
    name = f"Tool Shop {uuid.uuid4().hex[:6]}"
    res = page.context.request.post(
        live_app.url("/api/v1/projects"), data={"name": name}, headers={"Origin": live_app.base_url}
    )
    assert res.ok, res.text()
    page.goto(live_app.url(f"/projects/{res.json()['slug']}/settings"))
    expect(page.locator("#project-mcp-link")).to_be_visible()
    shot(page, "mcp-05-project-settings")
    page.locator("#project-mcp-link").click()
    page.wait_for_url(re.compile(r".*/mcp$"))
    expect(page.get_by_text(f"{name} · MCP servers")).to_be_visible()
    expect(page.get_by_text("workspace", exact=True)).to_be_visible()  # the global ones too

    server = _add_echo(page, "shop")
    expect(page.locator("tr", has_text=server)).to_contain_text("project")
    shot(page, "mcp-06-project-tab")
    page.locator(f"#browse-{server}").click()
    _run_echo(page, "project scoped")

    page.locator("#back-to-project-settings").click()
    page.wait_for_url(re.compile(r".*/settings$"))


def _sleeping(seconds: str) -> bool:
    found = subprocess.run(["pgrep", "-f", f"^sleep {seconds}$"], capture_output=True)
    return found.returncode == 0


def test_a_hanging_connection_test_and_a_slow_tool_can_be_stopped(page, live_app):
    _admin_signed_in(page, live_app)
    page.goto(live_app.url("/settings/mcp"))
    expect(page.get_by_text("workspace", exact=True)).to_be_visible()

    # a command that never answers the handshake: the test would wait 30 s, the user stops it
    page.locator("#mcp-add").click()
    page.locator("#mcp-name").fill(f"hang-{uuid.uuid4().hex[:6]}")
    page.locator("#mcp-command").fill("sleep")
    page.locator("#mcp-args").fill("3599.25")
    page.locator("#mcp-test").click()
    expect(page.locator("#mcp-test-stop")).to_be_visible()
    wait_until(lambda: _sleeping("3599.25"), 20, "the tested server's process")
    shot(page, "mcp-07-test-running")
    page.locator("#mcp-test-stop").click()
    expect(page.locator("#mcp-test-result")).to_have_text("Test stopped.")
    wait_until(lambda: not _sleeping("3599.25"), 20, "the stopped test's process to end")
    page.get_by_role("button", name="Cancel").click()

    # a tool that takes ten minutes: stopped, and the server answers the next call at once
    server = _add_echo(page, "slow")
    page.locator(f"#browse-{server}").click()
    page.locator("#tool-slow").click()
    page.locator("#arg-seconds").fill("600")
    page.locator("#tool-run").click()
    page.locator("#tool-stop").click()
    expect(page.locator("#tool-result")).to_contain_text("Stopped before the tool answered.")
    _run_echo(page, "after the stop")

    # removing asks first; cancelling keeps the server
    page.locator(f"#remove-{server}").click()
    expect(page.get_by_role("alertdialog")).to_contain_text(f"Remove {server}?")
    shot(page, "mcp-08-remove")
    page.get_by_role("alertdialog").get_by_role("button", name="Cancel").click()
    expect(page.locator(f"#browse-{server}")).to_be_visible()
    page.locator(f"#remove-{server}").click()
    page.locator("#confirm-remove").click()
    expect(page.locator(f"#browse-{server}")).to_have_count(0)
    expect(page.locator("#tool-browser")).to_have_count(0)  # it browsed the removed server


def test_a_failing_server_shows_why_with_its_stderr(page, live_app):
    _admin_signed_in(page, live_app)
    page.goto(live_app.url("/settings/mcp"))
    expect(page.get_by_text("workspace", exact=True)).to_be_visible()
    server = f"broken-{uuid.uuid4().hex[:6]}"
    page.locator("#mcp-add").click()
    page.locator("#mcp-name").fill(server)
    page.locator("#mcp-command").fill(sys.executable)
    page.locator("#mcp-args").fill(f"{ECHO}\n--stderr\nbad config: missing key\n--exit\n2")
    page.locator("#mcp-test").click()
    expect(page.locator("#mcp-test-result")).to_contain_text("process exited with code 2")
    expect(page.locator("#mcp-test-log")).to_contain_text("bad config: missing key")
    shot(page, "mcp-09-test-failed")
    page.locator("#mcp-add-submit").click()

    row = page.locator("tr", has_text=server)
    expect(row.locator(".mcp-status")).to_have_text("failed", timeout=30_000)
    page.locator(f"#log-{server}").click()
    expect(page.locator("#server-log")).to_contain_text("bad config: missing key")
    shot(page, "mcp-10-server-log")
    page.get_by_role("dialog").get_by_role("button", name="Close").click()
    expect(page.locator("#server-log")).to_have_count(0)
    page.locator(f"#remove-{server}").click()
    page.locator("#confirm-remove").click()
    expect(page.locator(f"#log-{server}")).to_have_count(0)
