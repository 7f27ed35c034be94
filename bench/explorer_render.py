"""Time from request to the first interactive frame of the graph explorer, in headless Chromium.

Stores synthetic graphs into projects of a running Vibe (written straight into its database):
a tiny one (the baseline: the explorer page with an almost empty canvas), module overviews of
about 1K and 5K elements, and a graph of 20K nodes (whose overview starts at package level; its
module level, cut to the 5K element budget, is measured too). Each view is opened in a fresh
browser context, and the time is taken from navigation start to the end of the first frame in
which the canvas drew the laid-out elements (`window.__vibeGraphReady`, set by the first task
after that frame: Cytoscape's `render` event, then a timeout; the canvas answers input from
then on). Prints medians and ratios against the baseline
for: the cold first visit (the server has not loaded the graph, only the opening view the
indexing job prepares is on disk, and nobody laid the view out yet), fresh
visits whose layout the server stored from an earlier visit, fresh visits that lay the view out
themselves (the server's stored layouts cleared before each), and a reload in the same tab.

    .venv/bin/python bench/explorer_render.py                     # starts its own server
    .venv/bin/python bench/explorer_render.py --url http://127.0.0.1:3000 --data ./data
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TARGET_5K = 1.5
CASES = [  # name, modules, functions per module, cross-module calls per module, level
    ("baseline (1 module)", 1, 1, 0, "auto"),
    ("overview 1K elements", 250, 4, 3, "auto"),
    ("overview 5K elements", 1250, 4, 3, "auto"),
    ("20K nodes: overview", 2000, 9, 3, "auto"),
    ("20K nodes: module level", 2000, 9, 3, "module"),
]


def synthetic(project: str, modules: int, per_module: int, calls: int):
    """Modules in 40 folders; function i of module m calls into module m + 1 + i (distinct)."""
    from vibe.graph.engine.model import Edge, GraphData, Node

    data = GraphData(project, "")
    for m in range(modules):
        folder = f"src/p{m % 40}"
        path = f"{folder}/m{m}.py"
        data.nodes[f"m{m}"] = Node(f"m{m}", "module", f"p{m % 40}.m{m}", f"m{m}", "python", path,
                                   1, 99)  # fmt: skip
        for i in range(per_module):
            fn = f"m{m}f{i}"
            data.nodes[fn] = Node(fn, "function", f"p{m % 40}.m{m}.f{i}", f"f{i}", "python", path,
                                  i + 1, i + 2, f"def f{i}()")  # fmt: skip
            data.edges.append(Edge(f"m{m}", fn, "defines", 1.0, "syntax", path, i + 1))
    for m in range(modules if modules > 1 else 0):
        for i in range(calls):
            target = f"m{(m + 1 + i) % modules}f{i % per_module}"
            data.edges.append(Edge(f"m{m}f{i % per_module}", target, "calls", 0.9, "bench", "", 0))
    return data


def store_graph(project_id: int, data) -> int:
    from sqlmodel import Session, select

    import vibe.models  # noqa: F401  (every table, for the foreign keys)
    from vibe.core.db import get_engine
    from vibe.graph import explorer, store
    from vibe.graph.models import GraphIndexRow

    with Session(get_engine()) as session:
        row = session.exec(
            select(GraphIndexRow).where(GraphIndexRow.project_id == project_id)
        ).first() or GraphIndexRow(project_id=project_id, graph_project=str(project_id))
        session.add(row)
        session.flush()
        store.save_graph(session, row, data)
        row.status = "ready"
        session.commit()
        explorer.prepare_opening(row, session=session)  # as the indexing job does once it stored
        return row.id or 0


def clear_layouts(index_id: int) -> None:
    from vibe.graph import layouts

    layouts.clear(index_id)


@contextmanager
def own_server() -> Iterator[tuple[str, Path]]:
    """`vibe serve` (production build) on a free port with a fresh data folder."""
    from tests.e2e.conftest import _http_ok, free_port, wait_until

    data, port = Path(tempfile.mkdtemp(prefix="vibe-bench-")), free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIBE_")}
    env.update(VIBE_DATA_DIR=str(data), VIBE_PORT=str(port), VIBE_PUBLIC_URL=base,
               VIBE_SECRET_KEY="bench-secret", VIBE_ALLOW_LOCAL_LOGIN="true",
               REFLEX_USE_SYSTEM_BUN="1", REFLEX_TELEMETRY_ENABLED="false")  # fmt: skip
    # `make bun` puts bun under tools/ (the machine's Node is too old for Reflex), as e2e does.
    bins = [str(ROOT / "tools/bun/node_modules/.bin"), str(Path(sys.executable).parent)]
    env["PATH"] = os.pathsep.join([*bins, env.get("PATH", "")])
    command = [
        sys.executable,
        "-m",
        "vibe.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    log = (data / "app.log").open("wb")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    try:
        wait_until(lambda: _http_ok(base + "/login"), 600, "the login page", proc)
        yield base, data
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def measure(browser, base: str, path: str, cookies: list) -> tuple[float, dict, float]:
    """A first visit in a new context and a reload in the same tab (its own positions)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_cookies(cookies)
    page = context.new_page()
    times = []
    for _ in range(2):
        page.goto(base + path)
        page.wait_for_selector("#graph-canvas[data-state=ready]", timeout=120_000)
        times.append({**page.evaluate("() => window.__vibeGraphReady"), **final_layout(page)})
        page.wait_for_load_state("networkidle")  # the computed layout has reached the server
    context.close()
    return times[0]["at"] / 1000.0, times[0], times[1]["at"] / 1000.0


def final_layout(page) -> dict:
    """When the final layout was in place: the first frame's, or the worker's layout's later."""
    page.wait_for_function(
        "() => window.__vibeGraphLaidOut && window.__vibeGraphReady"
        " && window.__vibeGraphLaidOut.src === window.__vibeGraphReady.src",
        timeout=120_000,
    )
    done = page.evaluate("() => window.__vibeGraphLaidOut")
    return {"final_at": done["at"], "final_ms": done["ms"]}


def run(base: str, data_dir: Path, repeats: int) -> None:
    os.environ["VIBE_DATA_DIR"] = str(data_dir)
    from playwright.sync_api import sync_playwright

    from vibe.core.config import get_settings

    get_settings.cache_clear()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + "/login")
        page.locator("#login-local").click()
        page.wait_for_url(re.compile(r".*/projects/?$"))
        cookies = context.cookies()
        rows = []
        for name, modules, per_module, calls, level in CASES:
            res = context.request.post(base + "/api/v1/projects", data={"name": f"bench {name}"},
                                       headers={"Origin": base})  # fmt: skip
            project = res.json() if res.ok else _existing(context, base, f"bench {name}")
            index_id = store_graph(int(project["id"]), synthetic(str(project["id"]), modules,
                                                                 per_module, calls))  # fmt: skip
            clear_layouts(index_id)
            path = f"/projects/{project['slug']}/graph"
            cold, cold_info, _ = measure_level(browser, base, path, cookies, level)
            stored = [measure_level(browser, base, path, cookies, level) for _ in range(repeats)]
            computed = []
            for _ in range(repeats):
                clear_layouts(index_id)
                computed.append(measure_level(browser, base, path, cookies, level))
            rows.append((name, cold, cold_info, _summary(stored), _summary(computed)))
        browser.close()
    report(rows)


def _summary(runs: list[tuple[float, dict, float]]) -> dict:
    """Medians of a set of fresh visits, and the last one's details (phases, layout source)."""
    return {
        "s": statistics.median(r[0] for r in runs),
        "view_s": statistics.median(r[1]["ms"] for r in runs) / 1000,
        "reload_s": statistics.median(r[2] for r in runs),
        "final_s": statistics.median(r[1]["final_at"] for r in runs) / 1000,
        "layouts": sorted({r[1].get("layout", "?") for r in runs}),
        "info": runs[-1][1],
    }


def measure_level(browser, base, path, cookies, level) -> tuple[float, dict, float]:
    if level == "auto":
        return measure(browser, base, path, cookies)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(base + path)
    page.wait_for_selector("#graph-canvas[data-state=ready]", timeout=120_000)
    times = []
    for choice in ("Modules", "Auto", "Modules"):  # the second switch to modules is cached
        page.get_by_role("radio", name=choice).click()
        page.wait_for_function(
            "(l) => window.__vibeGraphReady && window.__vibeGraphReady.level === l",
            arg="module" if choice == "Modules" else "package",
            timeout=120_000,
        )
        times.append({**page.evaluate("() => window.__vibeGraphReady"), **final_layout(page)})
        page.wait_for_load_state("networkidle")
    context.close()
    first = {**times[0], "final_at": times[0]["final_ms"]}  # from the switch, like its "at"
    return times[0]["ms"] / 1000.0, first, times[2]["ms"] / 1000.0


def _existing(context, base: str, name: str) -> dict:
    listed = context.request.get(base + "/api/v1/projects").json()
    items = listed["items"] if isinstance(listed, dict) else listed
    return next(p for p in items if p["name"] == name)


def report(rows) -> None:
    baseline = rows[0][3]["s"]
    print(f"load average at the end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    head = f"{'view':26} {'elements':>8} {'cold':>7} {'stored':>7} {'laid':>7} {'final':>7}"
    print(head + f" {'view':>7} {'reload':>7} {'stored/base':>11} {'laid/base':>9}")
    for name, cold, cold_info, stored, laid in rows:
        elements = cold_info.get("nodes", 0) + cold_info.get("edges", 0)
        print(f"{name:26} {elements:8d} {cold:7.3f} {stored['s']:7.3f} {laid['s']:7.3f} "
              f"{laid['final_s']:7.3f} {stored['view_s']:7.3f} {stored['reload_s']:7.3f} "
              f"{stored['s'] / baseline:11.2f} {laid['s'] / baseline:9.2f}")  # fmt: skip
    print("phases of the last fresh runs (ms): page boot until the view request (the opening")
    print("view's request starts as the page's script loads, before the page's state), then")
    print("fetch → add elements → layout → first frame; the layout's source")
    for name, _, cold_info, stored, laid in rows:
        for label, info in (("cold", cold_info), ("stored", stored["info"]),
                            ("laid", laid["info"])):  # fmt: skip
            p = {k: round(v) for k, v in info.get("phases", {}).items()}
            boot = round(info.get("started", 0))
            final = round(info.get("final_at", 0))
            opening = " (the opening view)" if info.get("opening") else ""
            print(f"  {name:24} {label:6} boot {boot:5d}  {p} {info.get('layout', '?')}{opening}, "
                  f"final layout at {final}")  # fmt: skip
    for name, *_, laid in rows:
        if not set(laid["layouts"]) <= {"computed", "placed"}:
            print(f"  note: {name}: the 'laid' runs' layouts came from {laid['layouts']}")
    five = next(r for r in rows if r[0].startswith("overview 5K"))
    for label, value in (
        ("cold first visit, navigation → first frame", five[1]),
        ("cold first visit, view request → first frame", five[2]["ms"] / 1000),
        ("layout stored on the server, navigation → first frame", five[3]["s"]),
        ("layout stored on the server, view request → first frame", five[3]["view_s"]),
        ("layout computed, navigation → first frame", five[4]["s"]),
        ("layout computed, view request → first frame", five[4]["view_s"]),
        ("layout computed, navigation → final layout in place", five[4]["final_s"]),
        ("reload in the same tab", five[3]["reload_s"]),
    ):
        verdict = "meets" if value <= TARGET_5K else "misses"
        print(f"5K elements, {label}: {value:.3f} s, {verdict} the {TARGET_5K} s target")
    print("seconds, medians of fresh browser contexts; cold = first visit (graph not loaded, the")
    print("opening view as the indexing job prepared it, no stored layout); stored = the layout")
    print("an earlier visit")
    print("stored on the server; laid = the server's layouts cleared first, so the page lays the")
    print("view out itself (big views: first frame placed by folder, fcose in a worker); final =")
    print("when that layout was in place (laid); view = from the view request to the first frame")
    print("(stored); reload = the same tab reloaded. 20K module level: from the level switch.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running Vibe (local sign-in enabled)")
    parser.add_argument("--data", type=Path, help="that Vibe's data folder (its SQLite database)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.url:
        run(args.url.rstrip("/"), args.data, args.repeats)
        return
    with own_server() as (base, data_dir):
        run(base, data_dir, args.repeats)


if __name__ == "__main__":
    main()
