"""How long storing a full graph index takes on SQLite and PostgreSQL, against indexing it.

Builds a corpus of N Python files copied from the venv's site-packages, indexes it in memory
(the baseline), then stores the whole graph (with per-file engine state) into a fresh SQLite
file and a fresh PostgreSQL database, and prints rows/s and store/index time ratios.

    .venv/bin/python bench/graph_store.py --files 2000 [--pg postgresql+psycopg://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import sysconfig
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlmodel import Session

from vibe.core.db import make_engine
from vibe.core.migrations import upgrade
from vibe.graph import store
from vibe.graph.engine.index import GraphIndex
from vibe.graph.models import GraphIndexRow


def build_corpus(target: Path, files: int) -> int:
    site = Path(sysconfig.get_paths()["purelib"])
    copied = 0
    for source in sorted(site.rglob("*.py")):
        if copied >= files:
            break
        rel = source.relative_to(site)
        if "test" in rel.parts[0] or source.stat().st_size > 200_000:
            continue
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / rel)
        copied += 1
    return copied


def store_into(url: str, index: GraphIndex) -> tuple[float, int]:
    upgrade(url=url)
    engine = make_engine(url)
    with Session(engine) as session:
        row = GraphIndexRow(graph_project=index.project, root=str(index.root))
        session.add(row)
        session.commit()
        start = time.perf_counter()
        graph = store.save_index(session, row, index)
        session.commit()
        seconds = time.perf_counter() - start
    engine.dispose()
    rows = len(graph.nodes) + len(graph.edges) + len(graph.unresolved) + len(graph.file_hashes)
    return seconds, rows


def pg_database(server: str) -> tuple[str, object]:
    name = f"vibe_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{server}/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        count = build_corpus(corpus, args.files)
        start = time.perf_counter()
        index = GraphIndex(corpus)
        index.index_all()
        graph = index.graph()
        baseline = time.perf_counter() - start
        print(f"corpus: {count} files, {len(graph.nodes)} nodes, {len(graph.edges)} edges, "
              f"{len(graph.unresolved)} unresolved")  # fmt: skip
        print(f"in-memory index (baseline): {baseline:.2f} s")
        targets = [("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", None)]
        if not args.no_pg:
            url, drop = pg_database(args.pg)
            targets.append(("postgresql", url, drop))
        for name, url, drop in targets:
            try:
                seconds, rows = store_into(url, index)
            finally:
                if drop is not None:
                    drop()  # type: ignore[operator]
            print(f"{name:>10}: store {seconds:.2f} s, {rows / seconds:,.0f} rows/s, "
                  f"{seconds / baseline:.2f}x the in-memory index time")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
