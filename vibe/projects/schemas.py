"""Request and response bodies of the projects API.

Length limits here only stop absurd bodies early; the precise rules (and their friendlier
messages) live in the services, so the API, the pages and MCP all explain the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from vibe.projects.members import Member
from vibe.projects.service import Access
from vibe.projects.tree import Entry

RoleName = Literal["owner", "editor", "viewer"]


class ProjectCreate(BaseModel):
    name: str = Field(max_length=10_000)
    description: str = Field("", max_length=20_000)


class ProjectUpdate(BaseModel):
    name: str | None = Field(None, max_length=10_000)
    description: str | None = Field(None, max_length=20_000)


class ProjectDelete(BaseModel):
    confirm: str = Field(max_length=10_000)


class ProjectPublic(BaseModel):
    id: int
    name: str
    slug: str
    description: str
    role: RoleName
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, access: Access) -> ProjectPublic:
        p = access.project
        return cls(
            id=p.id,  # type: ignore[arg-type]
            name=p.name,
            slug=p.slug,
            description=p.description,
            role=access.role.value,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


class MemberAdd(BaseModel):
    username: str = Field(max_length=200)
    role: RoleName = "viewer"


class MemberUpdate(BaseModel):
    role: RoleName


class MemberPublic(BaseModel):
    username: str
    name: str
    avatar_url: str
    role: RoleName
    joined_at: datetime

    @classmethod
    def of(cls, member: Member) -> MemberPublic:
        return cls(
            username=member.username,
            name=member.name,
            avatar_url=member.avatar_url,
            role=member.role.value,
            joined_at=member.joined_at,
        )


class EntryPublic(BaseModel):
    path: str
    name: str
    kind: Literal["file", "dir", "symlink"]
    size: int
    depth: int

    @classmethod
    def of(cls, entry: Entry) -> EntryPublic:
        return cls.model_validate(entry.as_dict())


class TreePublic(BaseModel):
    entries: list[EntryPublic]
    truncated: bool


class FilePublic(BaseModel):
    path: str
    version: str
    size: int
    binary: bool
    encoding: Literal["utf-8", "base64"]
    content: str


class FileSave(BaseModel):
    path: str = Field(max_length=4096)
    content: str
    base_version: str | None = Field(
        max_length=64, description="Version the edit started from; null to create a new file."
    )
    encoding: Literal["utf-8", "base64"] = "utf-8"
    message: str = Field("", max_length=500)


class SavedPublic(BaseModel):
    path: str
    version: str
    commit: str | None


class FileCreate(BaseModel):
    path: str = Field(max_length=4096)
    kind: Literal["file", "folder"] = "file"


class FileMove(BaseModel):
    src: str = Field(max_length=4096)
    dst: str = Field(max_length=4096)


class CommitPublic(BaseModel):
    sha: str
    message: str
    author: str
    email: str
    committed_at: datetime
