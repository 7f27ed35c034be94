"""Stored code knowledge graph: one index (a project's or a standalone folder's) and its rows.

Rows belong to an "owner" file so that an incremental update replaces exactly the rows of the
files the engine touched; rows with owner "" (repository, directories, external packages and
symbols) are shared and diffed as a whole.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from vibe.core.db import utcnow


class IndexStatus(StrEnum):
    pending = "pending"
    running = "running"
    ready = "ready"
    failed = "failed"
    cancelled = "cancelled"


class FileStatus(StrEnum):
    indexed = "indexed"
    errors = "errors"  # indexed, but the parser reported syntax errors
    skipped = "skipped"


class GraphIndexRow(SQLModel, table=True):
    """One indexed root: a project's workspace (project_id set) or any folder (CLI)."""

    __tablename__ = "graph_indexes"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int | None = Field(
        default=None, foreign_key="projects.id", unique=True, ondelete="CASCADE"
    )
    graph_project: str = Field(default="", max_length=200)  # the engine's id namespace
    root: str = Field(default="")
    status: str = Field(default=IndexStatus.pending.value, max_length=12)
    engine_version: str = Field(default="", max_length=32)
    generation: int = 0  # bumped on every write; caches of the loaded graph key on it
    files: int = 0
    nodes: int = 0
    edges: int = 0
    unresolved: int = 0
    skipped: int = 0
    error: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None


class GraphNodeRow(SQLModel, table=True):
    __tablename__ = "graph_nodes"
    __table_args__ = (Index("ix_graph_nodes_owner", "index_id", "owner"),)

    index_id: int = Field(foreign_key="graph_indexes.id", primary_key=True, ondelete="CASCADE")
    id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=32)
    qname: str
    name: str
    language: str = Field(default="", max_length=32)
    file: str = ""
    owner: str = ""
    start_line: int = 0
    end_line: int = 0
    signature: str = ""
    docstring: str = ""
    attrs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class GraphEdgeRow(SQLModel, table=True):
    """An edge; the primary key (index, source, target, kind) also serves lookups by source."""

    __tablename__ = "graph_edges"
    __table_args__ = (
        Index("ix_graph_edges_target", "index_id", "target"),
        Index("ix_graph_edges_file", "index_id", "file"),
        Index("ix_graph_edges_kind", "kind"),
    )

    index_id: int = Field(foreign_key="graph_indexes.id", primary_key=True, ondelete="CASCADE")
    source: str = Field(primary_key=True, max_length=32)
    target: str = Field(primary_key=True, max_length=32)
    kind: str = Field(primary_key=True, max_length=32)
    confidence: float = 1.0
    resolution: str = Field(default="syntax", max_length=32)
    file: str = ""
    line: int = 0
    # Extra facts of derived edges, e.g. the package version of a `depends_on` edge.
    attrs: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class GraphUnresolvedRow(SQLModel, table=True):
    __tablename__ = "graph_unresolved"
    __table_args__ = (
        Index("ix_graph_unresolved_file", "index_id", "file"),
        Index("ix_graph_unresolved_source", "index_id", "source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    index_id: int = Field(foreign_key="graph_indexes.id", ondelete="CASCADE")
    source: str = Field(max_length=32)
    target_text: str
    kind: str = Field(max_length=32)
    file: str
    line: int = 0


class GraphFileRow(SQLModel, table=True):
    """Per-file bookkeeping; `state` is the engine's per-file result, for restarts."""

    __tablename__ = "graph_files"

    index_id: int = Field(foreign_key="graph_indexes.id", primary_key=True, ondelete="CASCADE")
    path: str = Field(primary_key=True)
    content_hash: str = Field(default="", max_length=64)
    language: str = Field(default="", max_length=32)
    status: str = Field(default=FileStatus.indexed.value, max_length=12)
    reason: str = ""  # skip reason or parser errors
    state: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class GraphCoverageRow(SQLModel, table=True):
    """The last imported coverage report of an index, kept so a re-index can re-apply it.

    `applied` lists the node ids that carry `attrs["coverage"]` from it (cleared on the next
    application); `summary` is what GET .../graph/coverage shows.
    """

    __tablename__ = "graph_coverage"

    index_id: int = Field(foreign_key="graph_indexes.id", primary_key=True, ondelete="CASCADE")
    format: str = Field(max_length=16)  # "coverage.py" | "cobertura" | "lcov"
    filename: str = Field(default="", max_length=255)
    size: int = 0
    report: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # zlib-compressed
    applied: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    imported_at: datetime = Field(default_factory=utcnow)


class GraphIndexPublic(SQLModel):
    """What the API shows of an index."""

    id: int
    project_id: int | None
    status: str
    generation: int
    files: int
    nodes: int
    edges: int
    unresolved: int
    skipped: int
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
