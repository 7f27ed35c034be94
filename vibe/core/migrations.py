"""Run Alembic from code (CLI, tests, `make run`) without shelling out."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    if url:
        cfg.attributes["url"] = url
    return cfg


def upgrade(revision: str = "heads", url: str | None = None) -> None:
    """Feature branches of the migration tree may each have a head; "heads" applies them all."""
    command.upgrade(alembic_config(url), revision)


def downgrade(revision: str = "base", url: str | None = None) -> None:
    command.downgrade(alembic_config(url), revision)


def current_heads(url: str | None = None) -> list[str]:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    from vibe.core.config import get_settings

    engine = create_engine(url or get_settings().resolved_database_url)
    with engine.connect() as conn:
        heads = list(MigrationContext.configure(conn).get_current_heads())
    engine.dispose()
    return heads
