"""graph: indexes, nodes, edges, unresolved references and files of the code knowledge graph

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 15:41:08.441335
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "graph_indexes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("graph_project", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("root", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("engine_version", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("nodes", sa.Integer(), nullable=False),
        sa.Column("edges", sa.Integer(), nullable=False),
        sa.Column("unresolved", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id"),
    )
    op.create_table(
        "graph_edges",
        sa.Column("index_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("resolution", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("file", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["index_id"], ["graph_indexes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("index_id", "source", "target", "kind"),
    )
    with op.batch_alter_table("graph_edges", schema=None) as batch_op:
        batch_op.create_index("ix_graph_edges_file", ["index_id", "file"], unique=False)
        batch_op.create_index("ix_graph_edges_kind", ["kind"], unique=False)
        batch_op.create_index("ix_graph_edges_target", ["index_id", "target"], unique=False)

    op.create_table(
        "graph_files",
        sa.Column("index_id", sa.Integer(), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["index_id"], ["graph_indexes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("index_id", "path"),
    )
    op.create_table(
        "graph_nodes",
        sa.Column("index_id", sa.Integer(), nullable=False),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("qname", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("file", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("start_line", sa.Integer(), nullable=False),
        sa.Column("end_line", sa.Integer(), nullable=False),
        sa.Column("signature", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("docstring", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("attrs", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["index_id"], ["graph_indexes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("index_id", "id"),
    )
    with op.batch_alter_table("graph_nodes", schema=None) as batch_op:
        batch_op.create_index("ix_graph_nodes_owner", ["index_id", "owner"], unique=False)

    op.create_table(
        "graph_unresolved",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("index_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("target_text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("file", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["index_id"], ["graph_indexes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("graph_unresolved", schema=None) as batch_op:
        batch_op.create_index("ix_graph_unresolved_file", ["index_id", "file"], unique=False)
        batch_op.create_index("ix_graph_unresolved_source", ["index_id", "source"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("graph_unresolved", schema=None) as batch_op:
        batch_op.drop_index("ix_graph_unresolved_source")
        batch_op.drop_index("ix_graph_unresolved_file")

    op.drop_table("graph_unresolved")
    with op.batch_alter_table("graph_nodes", schema=None) as batch_op:
        batch_op.drop_index("ix_graph_nodes_owner")

    op.drop_table("graph_nodes")
    op.drop_table("graph_files")
    with op.batch_alter_table("graph_edges", schema=None) as batch_op:
        batch_op.drop_index("ix_graph_edges_target")
        batch_op.drop_index("ix_graph_edges_kind")
        batch_op.drop_index("ix_graph_edges_file")

    op.drop_table("graph_edges")
    op.drop_table("graph_indexes")
