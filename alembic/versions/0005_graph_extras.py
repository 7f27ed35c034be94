"""graph extras: edge attributes (depends_on versions) and the stored coverage report

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-29 16:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("graph_edges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attrs", sa.JSON(), nullable=True))
    op.create_table(
        "graph_coverage",
        sa.Column("index_id", sa.Integer(), nullable=False),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("report", sa.LargeBinary(), nullable=False),
        sa.Column("applied", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("imported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["index_id"], ["graph_indexes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("index_id"),
    )


def downgrade() -> None:
    op.drop_table("graph_coverage")
    with op.batch_alter_table("graph_edges", schema=None) as batch_op:
        batch_op.drop_column("attrs")
