"""Editor load time and typing latency in headless Chromium, against baselines from the same run.

Usage: python bench/ide_load.py [--url http://127.0.0.1:PORT] [--runs 5] [--keys 60]

Without --url it starts the real app (`vibe serve`, production build) on a free loopback port
with a throwaway data folder, like the e2e tests. Baselines, served on loopback in the same run:
a plain static HTML page (load) and a plain <textarea> (keystroke to painted frame).

Figures:
  cold load   new browser context (empty cache) -> editor page -> click a file -> Monaco editable
  warm load   the same in a context that has loaded the page once (HTTP cache warm)
  keystroke   keydown -> text changed -> the next frame painted, typing in the middle of a
              5,000-line Python file
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BIG_FILE_LINES = 5000
EDITOR = ".vibe-editor .monaco-editor .view-lines"

BASELINE_HTML = b"""<!doctype html><html><head><meta charset="utf-8"><title>baseline</title></head>
<body><h1>Baseline</h1><textarea id="t" rows="40" cols="100"></textarea></body></html>"""

# keydown -> content changed -> two animation frames (the frame that shows the change is painted).
PROBE_JS = """
(target) => {
  window.__lat = [];
  let t0 = null;
  document.addEventListener('keydown', () => { t0 = performance.now(); }, true);
  const done = () => requestAnimationFrame(() => requestAnimationFrame(() => {
    if (t0 !== null) { window.__lat.push(performance.now() - t0); t0 = null; }
  }));
  if (target === 'monaco') window.vibeEditor.editor().onDidChangeModelContent(done);
  else document.getElementById('t').addEventListener('input', done);
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def static_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(BASELINE_HTML)))
            self.end_headers()
            self.wfile.write(BASELINE_HTML)

        def log_message(self, *_args: object) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, *_args: object) -> None:
            pass  # the browser hanging up on /favicon.ico is not news

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


@contextlib.contextmanager
def vibe_app() -> Iterator[str]:
    port = free_port()
    data = tempfile.mkdtemp(prefix="vibe-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIBE_")}
    env.update(
        VIBE_DATA_DIR=data,
        VIBE_PORT=str(port),
        VIBE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        VIBE_SECRET_KEY="bench-secret",
        VIBE_ALLOW_LOCAL_LOGIN="true",
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_TELEMETRY_ENABLED="false",
        PATH=os.pathsep.join(
            [
                str(ROOT / "tools/bun/node_modules/.bin"),  # `make bun`, as the e2e tests use
                str(Path(sys.executable).parent),
                env.get("PATH", ""),
            ]
        ),
    )
    log = open(Path(data) / "app.log", "wb")  # noqa: SIM115
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
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited; see {data}/app.log")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            time.sleep(0.5)
        httpx.get(base + "/login", timeout=60)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
        log.close()


def sign_in(context, base: str) -> None:  # type: ignore[no-untyped-def]
    res = context.request.post(
        base + "/api/v1/auth/local", headers={"Origin": base}, max_redirects=0
    )
    assert res.status == 303, res.text()


def make_project(context, base: str) -> dict:  # type: ignore[no-untyped-def]
    headers = {"Origin": base}
    res = context.request.post(
        base + "/api/v1/projects", headers=headers, data={"name": f"bench {time.time_ns()}"}
    )
    project = res.json()
    big = "".join(f"def function_{n}(x):\n    return x * {n}  # line {n}\n" for n in range(2500))
    for path, text in (("small.py", "print('hello')\n"), ("big.py", big)):
        body = {"path": path, "content": text, "base_version": None}
        url = f"{base}/api/v1/projects/{project['id']}/files/content"
        assert context.request.put(url, headers=headers, data=body).ok
    return project


def open_editor(page, base: str, project: dict, path: str) -> float:  # type: ignore[no-untyped-def]
    """Seconds from navigation start to an editable Monaco showing ``path``."""
    start = time.perf_counter()
    page.goto(f"{base}/projects/{project['slug']}")
    page.locator(f'[data-tree-path="{path}"]').click()
    page.wait_for_function("() => window.vibeEditor && window.vibeEditor.ready()")
    page.locator(EDITOR).wait_for()
    return time.perf_counter() - start


def static_load(page, url: str) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    page.goto(url)
    page.locator("#t").wait_for()
    return time.perf_counter() - start


def keystrokes(page, target: str, count: int) -> list[float]:  # type: ignore[no-untyped-def]
    page.evaluate(PROBE_JS, target)
    if target == "monaco":
        page.evaluate(
            "() => { const e = window.vibeEditor.editor();"
            " e.setPosition({lineNumber: 2500, column: 1});"
            " e.revealLineInCenter(2500); e.focus(); }"
        )
    else:
        page.locator("#t").click()
    for n in range(count):
        page.keyboard.press("abcdefghij"[n % 10])
        page.wait_for_function(f"() => window.__lat.length >= {n + 1}")
    return page.evaluate("() => window.__lat")


def summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def run(base: str, runs: int, keys: int) -> None:
    from playwright.sync_api import sync_playwright

    with static_server() as static_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        setup = browser.new_context()
        sign_in(setup, base)
        project = make_project(setup, base)
        state = setup.storage_state()
        setup.close()

        static_cold, ide_cold, ide_warm = [], [], []
        for _ in range(runs):
            ctx = browser.new_context()
            static_cold.append(static_load(ctx.new_page(), static_url))
            ctx.close()
            ctx = browser.new_context(storage_state=state)
            ide_cold.append(open_editor(ctx.new_page(), base, project, "small.py"))
            ide_warm.append(open_editor(ctx.new_page(), base, project, "small.py"))
            ctx.close()

        ctx = browser.new_context()
        page = ctx.new_page()
        static_load(page, static_url)
        base_keys = keystrokes(page, "textarea", keys)
        ctx.close()
        ctx = browser.new_context(storage_state=state)
        page = ctx.new_page()
        open_editor(page, base, project, "big.py")
        lines = page.evaluate("() => window.vibeEditor.editor().getModel().getLineCount()")
        ide_keys = keystrokes(page, "monaco", keys)
        ctx.close()
        browser.close()

    report(static_cold, ide_cold, ide_warm, base_keys, ide_keys, lines)


def report(static_cold, ide_cold, ide_warm, base_keys, ide_keys, lines) -> None:  # type: ignore[no-untyped-def]
    s_med, _ = summary(static_cold)
    c_med, c_p95 = summary(ide_cold)
    w_med, w_p95 = summary(ide_warm)
    b_med, b_p95 = summary(base_keys)
    k_med, k_p95 = summary(ide_keys)
    print(f"baseline static page load (cold)   median {s_med * 1000:7.1f} ms")
    print(
        f"editor cold load to editable Monaco median {c_med * 1000:7.1f} ms  "
        f"p95 {c_p95 * 1000:7.1f} ms  = {c_med / s_med:6.1f}x baseline"
    )
    print(
        f"editor warm load to editable Monaco median {w_med * 1000:7.1f} ms  "
        f"p95 {w_p95 * 1000:7.1f} ms  = {w_med / s_med:6.1f}x baseline"
    )
    print(f"baseline textarea keystroke->paint  median {b_med:7.1f} ms  p95 {b_p95:7.1f} ms")
    print(
        f"Monaco keystroke->paint ({lines} lines) median {k_med:7.1f} ms  p95 {k_p95:7.1f} ms"
        f"  = {k_med / b_med:5.2f}x baseline"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running Vibe with local login (default: start one)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=60)
    args = parser.parse_args()
    if args.url:
        run(args.url.rstrip("/"), args.runs, args.keys)
        return
    with vibe_app() as base:
        run(base, args.runs, args.keys)


if __name__ == "__main__":
    main()
