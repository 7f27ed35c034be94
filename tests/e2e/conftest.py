"""Start the real app (`vibe serve`, Reflex production build) and drive it with Chromium.

One app per test session: building the frontend is the slow part. All e2e tests share an
xdist group so they run on one worker, one after another, against the same server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT = 420


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    """Poll with a deadline; fail with the app's log tail if it died or never came up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode} while waiting for {what}")
        if predicate():
            return
        time.sleep(0.25)
    raise TimeoutError(f"timed out waiting for {what}")


def _http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2, follow_redirects=True).status_code == 200
    except httpx.HTTPError:
        return False


class LiveApp:
    def __init__(self, base_url: str, data_dir: Path, github_url: str, hf_url: str) -> None:
        self.base_url = base_url
        self.data_dir = data_dir
        self.github_url = github_url
        self.hf_url = hf_url
        self.proc: subprocess.Popen | None = None

    def check_alive(self) -> None:
        """Fail loudly if the server died: later requests might reach another port's owner."""
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(
                f"the app exited with {self.proc.returncode}; see {ARTIFACTS / 'app.log'}"
            )

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    from tests.standins import github, huggingface
    from tests.standins.server import serve

    ARTIFACTS.mkdir(exist_ok=True)
    data = tmp_path_factory.mktemp("e2e-data")
    port = free_port()
    with ExitStack() as stack:
        gh = stack.enter_context(serve(github.create_app()))
        hf = stack.enter_context(serve(huggingface.create_app()))
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIBE_")}
        env.update(
            VIBE_DATA_DIR=str(data),
            VIBE_PORT=str(port),
            VIBE_PUBLIC_URL=f"http://127.0.0.1:{port}",
            VIBE_SECRET_KEY="e2e-secret",
            VIBE_ALLOW_LOCAL_LOGIN="true",
            VIBE_GITHUB_CLIENT_ID="e2e-client",
            VIBE_GITHUB_CLIENT_SECRET="e2e-secret",
            VIBE_GITHUB_AUTHORIZE_URL=f"{gh}/login/oauth/authorize",
            VIBE_GITHUB_TOKEN_URL=f"{gh}/login/oauth/access_token",
            VIBE_GITHUB_API_URL=f"{gh}/api/v3/",
            VIBE_HF_CLIENT_ID="e2e-hf-client",
            VIBE_HF_CLIENT_SECRET="e2e-hf-secret",
            VIBE_HF_METADATA_URL=f"{hf}/.well-known/openid-configuration",
            VIBE_LOG_JSON="true",
            VIBE_GIT_ALLOW_LOCAL_REMOTES="true",  # a bare repository in tmp_path is the remote
            REFLEX_USE_SYSTEM_BUN="1",
            REFLEX_TELEMETRY_ENABLED="false",
            PATH=os.pathsep.join(
                [
                    str(ROOT / "tools/bun/node_modules/.bin"),
                    str(Path(sys.executable).parent),
                    env.get("PATH", ""),
                ]
            ),
        )
        log = (ARTIFACTS / "app.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "vibe.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: _http_ok(base + "/healthz"), START_TIMEOUT, "/healthz", proc)
            wait_until(lambda: _http_ok(base + "/login"), 60, "the login page", proc)
            app = LiveApp(base, data, gh, hf)
            app.proc = proc
            yield app
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()


@pytest.fixture
def browser():
    """Per test: Playwright's sync API keeps an event loop running while it is open, which
    would break asyncio-based tests that the same xdist worker runs afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    """A fresh browser context per test; a screenshot is saved whatever the outcome."""
    if "live_app" in request.fixturenames:
        request.getfixturevalue("live_app").check_alive()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    pg = context.new_page()
    yield pg
    name = request.node.name.replace("/", "_").replace("[", "_").replace("]", "")
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
