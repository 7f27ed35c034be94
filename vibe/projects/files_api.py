"""/api/v1/projects/{project_id}/files: the workspace file service over HTTP.

Reads need viewer, changes need editor. Bodies larger than the configured limits are refused
from their Content-Length before being read, so an oversized upload never fills memory or disk.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlmodel import Session

from vibe.auth.deps import DB, CurrentUser
from vibe.auth.models import User
from vibe.core.config import get_settings
from vibe.core.errors import TooLarge, ValidationFailed
from vibe.core.web import error_body
from vibe.projects import service
from vibe.projects.models import Role
from vibe.projects.schemas import (
    CommitPublic,
    EntryPublic,
    FileCreate,
    FileMove,
    FilePublic,
    FileSave,
    SavedPublic,
    TreePublic,
)
from vibe.projects.service import Access
from vibe.projects.workspace import StaleVersion, Workspace, open_workspace

MULTIPART_OVERHEAD = 64 * 1024
UPLOAD_PATH_SUFFIX = "/upload"


def _body_limit(path: str) -> int:
    settings = get_settings()
    if path.endswith(UPLOAD_PATH_SUFFIX):
        return settings.max_upload_bytes + MULTIPART_OVERHEAD
    # JSON escaping or base64 can make a file's body several times its size on disk.
    return settings.max_file_bytes * 6 + 65536


class LimitedRoute(APIRoute):
    """Refuse a body by its declared Content-Length before FastAPI reads and parses it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            declared = request.headers.get("content-length", "")
            limit = _body_limit(request.url.path)
            if declared.isdigit() and int(declared) > limit:
                raise TooLarge(f"request body is {int(declared):,} bytes; at most {limit:,} bytes")
            return await handler(request)

        return limited


router = APIRouter(prefix="/{project_id}/files", tags=["files"], route_class=LimitedRoute)


def _open(user: User, project_id: str, session: Session, need: Role) -> tuple[Workspace, Access]:
    access = service.get_project(user, project_id, session=session, need=need)
    return open_workspace(access.project.id), access  # type: ignore[arg-type]


def _changed(access: Access, session: Session) -> None:
    service.touch_project(access.project, session=session)


@router.get("")
def tree(project_id: str, user: CurrentUser, session: DB, path: str = "") -> TreePublic:
    """Every file and folder (without .git), folders first, as a flat list with depths."""
    ws, _ = _open(user, project_id, session, Role.viewer)
    listing = ws.tree(path)
    return TreePublic(
        entries=[EntryPublic.of(e) for e in listing.entries], truncated=listing.truncated
    )


@router.get("/content")
def read(project_id: str, path: str, user: CurrentUser, session: DB) -> FilePublic:
    """A file's content (UTF-8 text, or base64 for binary) and its version for the next save."""
    ws, _ = _open(user, project_id, session, Role.viewer)
    found = ws.read(path)
    text = found.text
    return FilePublic(
        path=found.path,
        version=found.version,
        size=found.size,
        binary=found.binary,
        encoding="utf-8" if text is not None else "base64",
        content=text if text is not None else base64.b64encode(found.data).decode(),
    )


@router.put("/content", response_model=SavedPublic)
def save(project_id: str, body: FileSave, user: CurrentUser, session: DB) -> object:
    """Save a file if it is still at ``base_version``; 409 with ``current_version`` if not."""
    ws, access = _open(user, project_id, session, Role.editor)
    data: str | bytes = body.content
    if body.encoding == "base64":
        try:
            data = base64.b64decode(body.content, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed("content is not valid base64") from None
    try:
        saved = ws.write(
            body.path,
            data,
            base_version=body.base_version,
            author=service.author_for(user),
            message=body.message.strip(),
        )
    except StaleVersion as exc:
        payload = error_body(exc.code, exc.message, current_version=exc.current_version)
        return JSONResponse(payload, status_code=status.HTTP_409_CONFLICT)
    _changed(access, session)
    return SavedPublic(path=saved.path, version=saved.version, commit=saved.commit)


@router.post("", status_code=status.HTTP_201_CREATED)
def create(project_id: str, body: FileCreate, user: CurrentUser, session: DB) -> dict[str, str]:
    """Create an empty file or a folder; 409 if the path exists."""
    ws, access = _open(user, project_id, session, Role.editor)
    created = ws.create(body.path, kind=body.kind, author=service.author_for(user))
    _changed(access, session)
    return {"path": created}


@router.post("/rename")
def rename(project_id: str, body: FileMove, user: CurrentUser, session: DB) -> dict[str, str]:
    """Rename or move a file or folder; 409 if the destination exists."""
    ws, access = _open(user, project_id, session, Role.editor)
    moved = ws.move(body.src, body.dst, author=service.author_for(user))
    _changed(access, session)
    return {"path": moved}


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
def delete(project_id: str, path: str, user: CurrentUser, session: DB) -> Response:
    """Delete a file or a whole folder (recorded in git, so it can be recovered)."""
    ws, access = _open(user, project_id, session, Role.editor)
    ws.delete(path, author=service.author_for(user))
    _changed(access, session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/upload", status_code=status.HTTP_201_CREATED)
def upload(
    project_id: str,
    file: Annotated[UploadFile, File()],
    user: CurrentUser,
    session: DB,
    path: Annotated[str, Form(max_length=4096)] = "",
    relative_dir: Annotated[str, Form(max_length=4096)] = "",
) -> SavedPublic:
    """Upload one file into folder ``path`` (multipart field ``file``); 409 if it exists.

    For a folder upload, ``relative_dir`` is the file's folder inside the uploaded folder
    (the directory part of the browser's ``webkitRelativePath``); missing folders are created.
    """
    ws, access = _open(user, project_id, session, Role.editor)
    limit = get_settings().max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"the upload is larger than {limit:,} bytes")
    saved = ws.upload(
        path,
        file.filename or "",
        data,
        author=service.author_for(user),
        relative_dir=relative_dir,
    )
    _changed(access, session)
    return SavedPublic(path=saved.path, version=saved.version, commit=saved.commit)


@router.get("/history")
def history(
    project_id: str, user: CurrentUser, session: DB, path: str = "", limit: int = 50
) -> list[CommitPublic]:
    """Newest-first commits of the workspace, or of one file."""
    ws, _ = _open(user, project_id, session, Role.viewer)
    return [CommitPublic(**vars(c)) for c in ws.history(path, limit=limit)]
