"""The built frontend's files under ``/assets/`` served from memory.

Reflex serves the build with Starlette's static files: every request stats, opens and reads its
file through worker threads, then passes Reflex's middleware and ours (`vibe.ui.assets`, which
marks these files immutable). A first visit to a page asks for some twenty of them at once; on
a 2-core box their queue held the page's scripts back: the last one arrived about 360 ms after
the page, against about 190 ms from memory. The names carry a content hash, so a name's bytes
never change while the server runs: each file and its precompressed sidecars are read once and
answered with the same headers the middleware would give. Anything else (an unknown name, a
sidecar asked for directly, a file too big to keep, another method, a range request) goes to the
app, as before.
"""

from __future__ import annotations

import asyncio
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from vibe.core.web import accepted_encodings
from vibe.ui.assets import ASSETS_PREFIX, IMMUTABLE, client_dir

MAX_KEPT = 8 * 1024 * 1024  # bigger files (Monaco's language workers) stream from disk instead
# Content-Encoding → sidecar suffix, in the order of preference when the browser takes several.
SIDECARS = {"br": ".br", "zstd": ".zst", "gzip": ".gz"}


@dataclass
class _Asset:
    path: Path
    sidecars: dict[str, Path]  # encoding → file
    body: bytes | None = None
    encoded: dict[str, bytes] = field(default_factory=dict)
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    etag: bytes = b""


class AssetFront:
    """Answers GET and HEAD for the files under ``prefix`` in ``directory`` from memory."""

    def __init__(self, app: ASGIApp, directory: Path, prefix: str = ASSETS_PREFIX) -> None:
        self.app = app
        self.directory = directory
        self.prefix = prefix
        self._listing: dict[str, _Asset] | None = None  # listed on the first request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(self.prefix)
            or any(key == b"range" for key, _ in scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        asset = await self._asset(scope["path"][len(self.prefix) :])
        if asset is None:
            await self.app(scope, receive, send)
            return
        await _answer(asset, scope, send)

    async def _asset(self, name: str) -> _Asset | None:
        """The loaded asset called ``name``: only names the listing holds, so a request's path
        is never joined onto the directory (no traversal), and each file is read on its first
        request (two requests racing for a new file both read it, with the same result)."""
        if self._listing is None:
            self._listing = await asyncio.to_thread(_list, self.directory)
        asset = self._listing.get(name)
        if asset is None or asset.body is not None:
            return asset
        loaded = await asyncio.to_thread(_load, asset)
        if loaded is None:
            self._listing.pop(name, None)  # too big or gone: the app serves it from now on
        return loaded


def _list(directory: Path) -> dict[str, _Asset]:
    """Every servable file under ``directory`` by its URL path; sidecars hang off their file."""
    if not directory.is_dir():
        return {}
    files = {p.relative_to(directory).as_posix(): p for p in directory.rglob("*") if p.is_file()}
    listing = {}
    for name, path in files.items():
        if any(name.endswith(suffix) for suffix in SIDECARS.values()):
            continue
        sidecars = {
            encoding: files[name + suffix]
            for encoding, suffix in SIDECARS.items()
            if name + suffix in files
        }
        listing[name] = _Asset(path, sidecars)
    return listing


def _load(asset: _Asset) -> _Asset | None:
    """Read the file and its sidecars and work out the headers; None when too big or gone."""
    try:
        info = asset.path.stat()
        if info.st_size > MAX_KEPT:
            return None
        body = asset.path.read_bytes()
        encoded = {encoding: path.read_bytes() for encoding, path in asset.sidecars.items()}
    except OSError:
        return None
    suffix = asset.path.suffix.lower()
    media = "text/javascript" if suffix in (".js", ".mjs") else mimetypes.guess_type(asset.path)[0]
    media = media or "application/octet-stream"
    if media.startswith("text/") or media in ("application/json", "image/svg+xml"):
        media += "; charset=utf-8"
    asset.etag = f'"{info.st_mtime_ns:x}-{info.st_size:x}"'.encode()
    asset.headers = [
        (b"content-type", media.encode()),
        (b"cache-control", IMMUTABLE.encode()),
        (b"etag", asset.etag),
    ]
    if encoded:
        asset.headers.append((b"vary", b"Accept-Encoding"))
    asset.encoded = encoded
    asset.body = body
    return asset


async def _answer(asset: _Asset, scope: Scope, send: Send) -> None:
    request = dict(scope["headers"])
    headers = list(asset.headers)
    if _matches(asset.etag, request.get(b"if-none-match", b"")):
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    body = asset.body or b""
    encoding = _encoding(request.get(b"accept-encoding", b""), asset.encoded)
    if encoding:
        body = asset.encoded[encoding]
        headers.append((b"content-encoding", encoding.encode()))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def _matches(etag: bytes, if_none_match: bytes) -> bool:
    """Whether If-None-Match names ``etag`` (weakly, as RFC 9110 asks for GET) or is ``*``."""
    if if_none_match.strip() == b"*":
        return True
    return etag in {tag.strip().removeprefix(b"W/") for tag in if_none_match.split(b",")}


def _encoding(accept: bytes, available: dict[str, bytes]) -> str:
    """The preferred encoding of ``available`` the browser takes (q > 0), or '' for none."""
    if not available or not accept:
        return ""
    taken = accepted_encodings(accept.decode("latin-1"))
    wildcard = taken.get("*", 0.0)
    choices = [(taken.get(e, wildcard), -i, e) for i, e in enumerate(SIDECARS) if e in available]
    best = max(choices, default=(0.0, 0, ""))
    return best[2] if best[0] > 0 else ""


def around(app: ASGIApp) -> ASGIApp:
    """``app`` behind an :class:`AssetFront` when it serves the built frontend (``vibe serve``)."""
    from reflex.environment import environment

    if not environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.get():
        return app
    return AssetFront(app, client_dir() / ASSETS_PREFIX.strip("/"))
