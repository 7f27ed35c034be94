"""The frontend middleware: immutable hashed assets, pages that preload their route's chunks."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from vibe.ui import assets
from vibe.ui.assets import IMMUTABLE, FrontendAssetsMiddleware, match_route, preload_tags

ROUTES = {
    "root": {"id": "root", "path": "", "module": "/assets/root-AAAAAAAA.js", "imports": []},
    "editor": {
        "id": "editor",
        "path": "projects/:slug",
        "module": "/assets/editor-BBBBBBBB.js",
        "imports": ["/assets/root-AAAAAAAA.js", "/assets/icon-CCCCCCCC.js"],
        "css": ["/assets/editor-DDDDDDDD.css"],
    },
    "settings": {"id": "settings", "path": "projects/:slug/settings", "module": "/assets/s.js"},
    "projects": {"id": "projects", "path": "projects", "module": "/assets/p.js"},
    "new": {"id": "new", "path": "projects/new", "module": "/assets/n.js"},
    "404": {"id": "404", "path": "*", "module": "/assets/404.js"},
    "home": {"id": "home", "index": True, "module": "/assets/home.js"},
}
PAGE = (
    b'<html><head><link rel="modulepreload" href="/assets/manifest-0123abcd.js"/>'
    b'<link rel="modulepreload" href="/assets/root-AAAAAAAA.js"/></head><body></body></html>'
)


def _build(tmp_path: Path) -> Path:
    assets = tmp_path / "assets"
    assets.mkdir()
    manifest = {"entry": {}, "routes": ROUTES, "version": "0123abcd"}
    (assets / "manifest-0123abcd.js").write_text(
        f"window.__reactRouterManifest={json.dumps(manifest)};"
    )
    lazy = (
        '["assets/monaco-EEEEEEEE.js","assets/root-AAAAAAAA.js","assets/monaco-FFFFFFFF.css",'
        '"assets/markdown-GGGGGGGG.js","assets/markdown-HHHHHHHH.css","assets/theme-IIIIIIII.js"]'
    )
    (assets / "editor-BBBBBBBB.js").write_text(
        f"const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f={lazy})))=>i.map(i=>d[i]);"
        'const md=()=>import("./markdown-GGGGGGGG.js").then(x, __vite__mapDeps([3,1,5,4]));'
        'const ed=()=>import("./monaco-EEEEEEEE.js").then(x, __vite__mapDeps([0,1,2]));'
        "const w=()=>f(()=>import(`./worker-JJJJJJJJ.js`),[]);"
    )
    (assets / "icon-CCCCCCCC.js").write_text("export default 1;")
    (tmp_path / "page.html").write_bytes(PAGE)
    return tmp_path


def test_routes_match_exact_segments_before_params_and_splat_last() -> None:
    assert match_route(ROUTES, "/projects/demo")["id"] == "editor"
    assert match_route(ROUTES, "/projects/new")["id"] == "new"
    assert match_route(ROUTES, "/projects/demo/settings/")["id"] == "settings"
    assert match_route(ROUTES, "/projects")["id"] == "projects"
    assert match_route(ROUTES, "/no/such/page")["id"] == "404"
    assert match_route(ROUTES, "/")["id"] == "home"


def test_preload_tags_name_the_route_its_imports_css_and_lazy_chunks(tmp_path: Path) -> None:
    tags = preload_tags(_build(tmp_path), PAGE, "/projects/demo").decode()
    assert '<link rel="modulepreload" href="/assets/editor-BBBBBBBB.js"/>' in tags
    assert '<link rel="modulepreload" href="/assets/icon-CCCCCCCC.js"/>' in tags
    assert '<link rel="modulepreload" href="/assets/monaco-EEEEEEEE.js"/>' in tags
    assert '<link rel="preload" as="style" href="/assets/editor-DDDDDDDD.css"/>' in tags
    # Vite links a lazy import's CSS in CORS mode: the preload must match to be reused.
    assert (
        '<link rel="preload" as="style" crossorigin="" href="/assets/monaco-FFFFFFFF.css"/>' in tags
    )
    assert '<link rel="modulepreload" href="/assets/worker-JJJJJJJJ.js"/>' in tags
    assert "root-AAAAAAAA" not in tags  # the page already preloads it
    assert tags.count("monaco-EEEEEEEE") == 1
    assert "markdown-" not in tags  # loaded when the first answer shows, not with the page
    assert "theme-IIIIIIII" not in tags  # and so is what only the Markdown chunk imports


def test_pages_without_a_manifest_are_left_alone(tmp_path: Path) -> None:
    assert preload_tags(_build(tmp_path), b"<html><head></head></html>", "/projects/x") == b""


def _client(build: Path) -> TestClient:
    async def page(_request: object) -> Response:
        return FileResponse(build / "page.html", media_type="text/html")

    async def asset(_request: object) -> Response:
        return FileResponse(build / "assets" / "icon-CCCCCCCC.js", media_type="text/javascript")

    async def api(_request: object) -> Response:
        return JSONResponse({"ok": True})

    app = Starlette(
        routes=[
            Route("/assets/icon-CCCCCCCC.js", asset),
            Route("/api/v1/thing", api),
            Route("/{path:path}", page),
        ]
    )
    return TestClient(FrontendAssetsMiddleware(app, client_dir=build))


def test_middleware_injects_preloads_and_sets_cache_headers(tmp_path: Path) -> None:
    client = _client(_build(tmp_path))
    res = client.get("/projects/demo", headers={"Accept": "text/html", "Accept-Encoding": "gzip"})
    assert res.status_code == 200
    assert res.text.index("editor-BBBBBBBB") < res.text.index("</head>")
    assert int(res.headers["content-length"]) == len(res.content)
    assert res.headers["cache-control"] == "no-cache"
    assert "etag" not in res.headers

    asset = client.get("/assets/icon-CCCCCCCC.js")
    assert asset.headers["cache-control"] == IMMUTABLE
    api = client.get("/api/v1/thing", headers={"Accept": "text/html"})
    assert api.json() == {"ok": True}
    assert "cache-control" not in api.headers


def test_pages_are_read_whole_even_where_the_server_offers_pathsend(tmp_path: Path) -> None:
    build = _build(tmp_path)

    async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await FileResponse(build / "page.html", media_type="text/html")(scope, receive, send)

    sent: list[dict] = []

    async def send(message) -> None:  # type: ignore[no-untyped-def]
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/projects/demo",
        "headers": [(b"accept", b"text/html")],
        "extensions": {"http.response.pathsend": {}},
        "asgi": {"version": "3.0", "spec_version": "2.4"},
    }
    asyncio.run(FrontendAssetsMiddleware(app, client_dir=build)(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert b"editor-BBBBBBBB" in sent[1]["body"]


@pytest.fixture
def early(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assets, "_early", {})
    assets.early_fetch("/projects/[slug]/graph", "/api/v1/projects/{slug}/graph/views/-/opening")


@pytest.mark.usefixtures("early")
def test_a_registered_request_starts_in_the_page_head(tmp_path: Path) -> None:
    client = _client(_build(tmp_path))
    res = client.get("/projects/demo/graph", headers={"Accept": "text/html"})
    head = res.text[: res.text.index("</head>")]
    url = '"/api/v1/projects/demo/graph/views/-/opening"'
    assert f"(window.__vibeEarly=window.__vibeEarly||{{}})[{url}]=" in head
    assert f'response:fetch({url},{{credentials:"same-origin"}})' in head
    # A preload link starts it before the script, which waits for stylesheets above it.
    link = f'<link rel="preload" as="fetch" crossorigin="anonymous" href={url}/>'
    assert head.index(link) < head.index("<script>(window.__vibeEarly")
    assert int(res.headers["content-length"]) == len(res.content)
    other = client.get("/projects/demo", headers={"Accept": "text/html"})
    assert "__vibeEarly" not in other.text


@pytest.mark.usefixtures("early")
def test_an_early_request_cannot_break_out_of_its_script() -> None:
    assert assets.early_tags("/projects/demo/graph/extra") == b""
    tags = assets.early_tags('/projects/a"<b>\\/graph').decode()
    link, script = tags.split("<script>")
    assert link.count("<") == 1 and link.count('"') == 8  # four attributes
    assert script.count("<") == 1 and script.count('"') == 6  # the quoted URL twice
    assert "a%22%3Cb%3E%5C" in link and "a%22%3Cb%3E%5C" in script
