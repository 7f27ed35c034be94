"""Serving the compiled frontend fast: hashed assets cached for good, pages that preload their code.

Reflex serves the production build as plain static files. Two things make a page slow to open
from there, and both are fixed here, for every page, without touching the build:

* Nothing says the files under ``/assets/`` never change (their names carry a content hash), so
  a returning browser revalidates dozens of chunks one by one. They get ``immutable``; pages get
  ``no-cache`` so a new build is seen at once.
* A dynamic route (``/projects/<slug>``) is answered with the SPA fallback page, which preloads
  only the root's chunks: the route's own module, its imports and the chunks it loads lazily
  (Monaco on the editor) are discovered one waterfall step after another. The page gets
  ``<link rel="modulepreload">`` tags for them, read from React Router's build manifest, so the
  browser fetches them in parallel with the root.
* A page whose code asks the API for the same thing on every visit (the graph explorer's opening
  view) would ask only once that code has loaded. Pages register such requests
  (:func:`early_fetch`); the page's head starts them, and the code takes the answer from
  ``window.__vibeEarly`` (see :func:`early_tags`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from html import escape
from pathlib import Path
from urllib.parse import quote

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ASSETS_PREFIX = "/assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
MAX_PAGE_BYTES = 1_000_000
_MANIFEST_HREF = re.compile(rb"/assets/manifest-[A-Za-z0-9_-]+\.js")
_MANIFEST_PREFIX = "window.__reactRouterManifest="
_LAZY_DEPS = re.compile(r"__vite__mapDeps=.*?\[((?:\"assets/[^\"]+\",?)*)\]")
_LAZY_IMPORT = re.compile(r"__vite__mapDeps\(\[([0-9,]*)\]")
_DYNAMIC_IMPORT = re.compile(r"import\([`'\"]\./([\w.-]+\.js)[`'\"]\)")
_NOT_PAGES = ("/api/", "/_event", "/_upload", "/mcp", "/healthz", "/readyz", "/metrics")
# Lazy chunks that are not preloaded: a page may never need them (the assistant's Markdown
# renderer, vibe/assistant/markdown.jsx, with its CSS), and preloading would fetch and parse them
# during every load, which is what loading them lazily avoids. Nor are the chunks only they
# import (the highlighter's theme, ...): see ``lazy_chunks``.
ON_DEMAND = ("/assets/markdown-",)


# Route (Reflex's form: ``[name]`` matches one segment) -> API URL with ``{name}`` fields.
_early: dict[tuple[str, ...], str] = {}


def early_fetch(pattern: str, url: str) -> None:
    """Have pages at `pattern` (``/projects/[slug]/graph``) start `url` (``.../{slug}/...``) from
    their head; the page's code finds ``{at, response}`` (when it started, the promise of the
    response) in ``window.__vibeEarly[url]``."""
    _early[tuple(p for p in pattern.strip("/").split("/") if p)] = url


def early_tags(path: str) -> bytes:
    """The tags starting the registered request of the page at `path`, if any.

    A preload link first: an inline script after the page's stylesheet link runs only once the
    stylesheet is loaded and parsed, while the link starts the request as it is read. The
    script's ``fetch`` (same URL, mode and credentials) then takes the preloaded response."""
    parts = [p for p in path.strip("/").split("/") if p]
    for pattern, url in _early.items():
        if len(pattern) != len(parts):
            continue
        fields = {}
        for want, got in zip(pattern, parts, strict=True):
            if want.startswith("[") and want.endswith("]"):
                fields[want[1:-1]] = quote(got, safe="")
            elif want != got:
                break
        else:
            target = url.format(**fields)
            # crossorigin="anonymous" is fetch()'s own mode (cors, same-origin credentials).
            link = (
                f'<link rel="preload" as="fetch" crossorigin="anonymous" href="{escape(target)}"/>'
            )
            # A JSON string, "<" escaped so that nothing in it can close the script element.
            u = json.dumps(target).replace("<", "\\u003c")
            script = (
                f"(window.__vibeEarly=window.__vibeEarly||{{}})[{u}]={{at:performance.now(),"
                f'response:fetch({u},{{credentials:"same-origin"}})}};'
            )
            return f"{link}<script>{script}</script>".encode()
    return b""


def client_dir() -> Path:
    """Where the production build's static files are (``.web/build/client``)."""
    from reflex.utils import prerequisites
    from reflex_base import constants

    return (prerequisites.get_web_dir() / constants.Dirs.STATIC).resolve()


@functools.lru_cache(maxsize=8)
def _manifest(client: Path, href: str) -> dict:
    """React Router's route manifest (a ``window.__reactRouterManifest=...;`` script)."""
    text = (client / href.lstrip("/")).read_text(encoding="utf-8").strip()
    if not text.startswith(_MANIFEST_PREFIX):
        return {}
    return json.loads(text[len(_MANIFEST_PREFIX) :].rstrip(";"))


@functools.lru_cache(maxsize=64)
def lazy_chunks(client: Path, module: str) -> tuple[str, ...]:
    """Chunks a module imports lazily, as ``/assets/...`` paths, but not those of on-demand imports.

    Vite lists every file of the module's lazy imports once (its preload map) and each
    ``import()`` names its own files by index, the imported chunk first: an import whose chunk
    is :data:`ON_DEMAND` is skipped with everything it alone needs. An import without other
    files (Monaco's ``?worker`` wrappers) is not in the map, only in the ``import()`` itself.
    """
    try:
        code = (client / module.lstrip("/")).read_text(encoding="utf-8")
    except OSError:
        return ()
    direct = ["/assets/" + name for name in _DYNAMIC_IMPORT.findall(code)]
    direct = [url for url in direct if not url.startswith(ON_DEMAND)]
    found = _LAZY_DEPS.search(code)
    if found is None:
        return tuple(_unique(direct))
    files = ["/" + name for name in json.loads(f"[{found.group(1)}]")]
    imports = [[int(i) for i in group.split(",") if i] for group in _LAZY_IMPORT.findall(code)]
    imports = [group for group in imports if group and all(i < len(files) for i in group)]
    if not imports:  # a preload map without call sites: keep what is not on demand itself
        return tuple(_unique([*(u for u in files if not u.startswith(ON_DEMAND)), *direct]))
    wanted = (
        files[i] for group in imports if not files[group[0]].startswith(ON_DEMAND) for i in group
    )
    return tuple(_unique([*wanted, *direct]))


def match_route(routes: dict, path: str) -> dict | None:
    """The manifest route for a URL path: exact segments beat ``:param`` ones, ``*`` comes last."""
    parts = [p for p in path.strip("/").split("/") if p]
    best, best_score = None, -1
    for route in routes.values():
        pattern = "" if route.get("index") and route.get("path") is None else route.get("path")
        if pattern is None or route.get("id") == "root":
            continue
        wanted = [p for p in pattern.split("/") if p]
        if wanted == ["*"]:
            score = 0
        elif len(wanted) == len(parts) and all(
            w.startswith(":") or w == p for w, p in zip(wanted, parts, strict=True)
        ):
            score = 1 + sum(2 for w in wanted if not w.startswith(":")) + len(wanted)
        else:
            continue
        if score > best_score:
            best, best_score = route, score
    return best


def preload_tags(client: Path, html: bytes, path: str) -> bytes:
    """``<link>`` tags for what the page at ``path`` will load and the HTML does not name yet."""
    href = _MANIFEST_HREF.search(html)
    if href is None:
        return b""
    try:
        manifest = _manifest(client, href.group().decode())
    except (OSError, ValueError):
        return b""
    route = match_route(manifest.get("routes", {}), path)
    if route is None:
        return b""
    module = route["module"]
    wanted = [module, *route.get("imports", []), *route.get("css", [])]
    lazy = lazy_chunks(client, module)  # on-demand imports already left out
    tags = [_tag(url) for url in _unique(wanted) if url.encode() not in html]
    # Vite's loader links a lazy import's CSS with ``crossorigin``; a preload in another mode
    # would not be reused, and the browser would ask for the file again.
    tags += [_tag(url, cors=True) for url in lazy if url not in wanted and url.encode() not in html]
    return b"".join(tags)


def _unique(urls: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(urls))


def _tag(url: str, cors: bool = False) -> bytes:
    if url.endswith(".css"):
        mode = ' crossorigin=""' if cors else ""
        return f'<link rel="preload" as="style"{mode} href="{url}"/>'.encode()
    return f'<link rel="modulepreload" href="{url}"/>'.encode()


def _is_page_request(scope: Scope) -> bool:
    path: str = scope["path"]
    if path.startswith(_NOT_PAGES) or path.startswith(ASSETS_PREFIX):
        return False
    accept = dict(scope.get("headers", [])).get(b"accept", b"")
    return b"text/html" in accept


class FrontendAssetsMiddleware:
    """Cache headers for the build's files and route preloads in its pages (see module doc)."""

    def __init__(self, app: ASGIApp, client_dir: Path | None = None) -> None:
        self.app = app
        self._client_dir = client_dir

    @property
    def client_dir(self) -> Path:
        if self._client_dir is None:
            self._client_dir = client_dir()
        return self._client_dir

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
        elif scope["path"].startswith(ASSETS_PREFIX):
            await self.app(scope, receive, _with_cache_control(send, IMMUTABLE))
        elif _is_page_request(scope):
            await self._page(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _page(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Ask for the uncompressed page (a few KB) so the tags can be added to it.
        headers = [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]
        start: Message | None = None
        body = bytearray()
        passthrough = False

        async def capture(message: Message) -> None:
            nonlocal start, passthrough
            if passthrough:
                await send(message)
            elif message["type"] == "http.response.start":
                start = message
                kind = MutableHeaders(raw=message["headers"]).get("content-type", "")
                if not kind.startswith("text/html"):
                    passthrough = True
                    await send(message)
            else:
                body.extend(message.get("body", b""))
                if len(body) > MAX_PAGE_BYTES:
                    passthrough = True
                    await send(start)  # type: ignore[arg-type]
                    await send({**message, "body": bytes(body)})
                elif not message.get("more_body", False):
                    await self._send_page(scope["path"], start, bytes(body), send)  # type: ignore[arg-type]

        # And for a body in messages: a server's ``pathsend`` would hand over only the file's path.
        extensions = {
            k: v for k, v in scope.get("extensions", {}).items() if k != "http.response.pathsend"
        }
        await self.app({**scope, "headers": headers, "extensions": extensions}, receive, capture)

    async def _send_page(self, path: str, start: Message, html: bytes, send: Send) -> None:
        tags = b""
        if b"</head>" in html:
            tags = early_tags(path) + preload_tags(self.client_dir, html, path)
            html = html.replace(b"</head>", tags + b"</head>", 1)
        headers = MutableHeaders(raw=list(start["headers"]))
        if tags:
            headers["content-length"] = str(len(html))
            # The tags change the body; its validators described the file on disk.
            del headers["etag"]
            del headers["last-modified"]
        headers["cache-control"] = REVALIDATE
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": html})


def _with_cache_control(send: Send, value: str) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] in (200, 304):
            headers = MutableHeaders(raw=list(message["headers"]))
            headers["cache-control"] = value
            message = {**message, "headers": headers.raw}
        await send(message)

    return wrapped
