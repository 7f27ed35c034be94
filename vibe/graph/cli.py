"""`vibe graph ...`: index any folder into an embedded SQLite file and query or export it.

No server or settings are needed: the graph lives in PATH/.vibe-graph.db (or --db FILE), and
re-running `index` only re-processes what changed.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import networkx as nx
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlmodel import Session

from vibe.core.errors import VibeError
from vibe.graph import export, query, service
from vibe.graph.models import GraphIndexRow

DEFAULT_DB_NAME = ".vibe-graph.db"
DbOption = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"SQLite file of the graph (default: ./{DEFAULT_DB_NAME}).",
)


@contextmanager
def open_db(path: Path) -> Iterator[Session]:
    """A session on the graph's SQLite file, migrated to the current schema."""
    from vibe.core.db import make_engine
    from vibe.core.migrations import upgrade

    url = f"sqlite:///{path.resolve()}"
    upgrade(url=url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except VibeError as exc:
        raise click.ClickException(exc.message) from None


@contextmanager
def _sigint_sets(event: threading.Event) -> Iterator[None]:
    """First Ctrl-C asks the indexer to stop between files; a second one interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: Any) -> None:
        event.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@click.group("graph")
def graph_cli() -> None:
    """Build, query and export the code knowledge graph of a folder."""


@graph_cli.command("index")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@DbOption
@click.option("--full", is_flag=True, help="Rebuild from scratch instead of incrementally.")
@click.option("--workers", type=int, default=1, show_default=True, help="Extraction processes.")
def index_command(path: Path, db_path: Path | None, full: bool, workers: int) -> None:
    """Index PATH (any folder); re-running only re-processes changed files."""
    console = Console(stderr=True)
    cancel = threading.Event()
    with open_db(db_path or path / DEFAULT_DB_NAME) as session, _errors():
        row = service.standalone_index(path, session=session)
        with _progress(console) as report, _sigint_sets(cancel):
            outcome = service.index_root(
                row, session=session, progress=report, cancel=cancel, full=full, workers=workers
            )
        if outcome.cancelled:
            console.print("[yellow]cancelled[/]: the stored graph is unchanged")
            sys.exit(130)
        console = Console()
        # A heading of its own: as the table's title rich would wrap it to the table's width.
        console.print(
            f"{row.root} ({outcome.mode}, {outcome.touched} files processed)", soft_wrap=True
        )
        console.print(_summary_table(outcome))


@contextmanager
def _indexed_db(path: Path, db_path: Path | None) -> Iterator[tuple[Session, GraphIndexRow]]:
    """The session and index row of the already indexed folder `path` (else a clear error)."""
    db = db_path or path / DEFAULT_DB_NAME
    hint = f"{path} is not indexed yet: run `vibe graph index {path}`"
    if not db.exists():
        raise click.ClickException(hint)
    with open_db(db) as session, _errors():
        row = service.standalone_index(path, session=session)
        if row.generation == 0:
            raise click.ClickException(hint)
        yield session, row


@graph_cli.command("findings")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@DbOption
@click.option("--semgrep", "executable", default=None, help="The semgrep executable to run.")
@click.option("--limit", type=int, default=30, show_default=True, help="Findings listed.")
def findings_command(path: Path, db_path: Path | None, executable: str | None, limit: int) -> None:
    """Scan the indexed folder PATH with semgrep (shipped rules); replaces its stored findings."""
    from vibe.graph import extras
    from vibe.graph.engine.findings import SemgrepCancelledError, SemgrepError

    console = Console(stderr=True)
    cancel = threading.Event()
    with _indexed_db(path, db_path) as (session, row):
        if executable is None:
            service.require_semgrep()
        try:
            with _progress(console, "semgrep") as report, _sigint_sets(cancel):
                outcome = service.scan_findings(
                    row, session=session, progress=report, cancel=cancel, executable=executable
                )
        except SemgrepCancelledError:
            console.print("[yellow]cancelled[/]: the stored findings are unchanged")
            sys.exit(130)
        except SemgrepError as exc:
            raise click.ClickException(str(exc)) from None
        items = extras.list_findings(session, row.id or 0, limit=limit)
    out = Console()
    out.print(_findings_table(row, outcome))
    if items:
        listing = Table(title=f"findings (first {len(items)})")
        for column in ("severity", "rule", "where", "in", "message"):
            listing.add_column(column)
        for f in items:
            where = f"{f['file']}:{f['start_line']}"
            node = f["node"]["qname"] if f["node"] else "-"
            listing.add_row(f["severity"], f["rule"], where, node, f["message"][:80])
        out.print(listing)
    for error in outcome.errors[:10]:
        console.print(f"[yellow]semgrep:[/] {error[:300]}")


def _findings_table(row: GraphIndexRow, outcome: service.FindingsOutcome) -> Table:
    s = outcome.summary
    table = Table(title=f"{row.root}: {outcome.findings} findings in {outcome.scanned} files")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("findings", str(s["findings"]))
    table.add_row("files with findings", str(s["files"]))
    for severity, n in s["by_severity"].items():
        table.add_row(f"severity: {severity}", str(n))
    for rule, n in s["by_rule"].items():
        table.add_row(f"rule: {rule}", str(n))
    table.add_row("not attached to code", str(s["unattached"]))
    table.add_row("semgrep errors", str(len(outcome.errors)))
    table.add_row("time", f"{outcome.seconds:.2f} s")
    return table


@graph_cli.command("coverage")
@click.argument("report", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DbOption
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def coverage_command(report: Path, db_path: Path | None, path: Path) -> None:
    """Import the coverage REPORT (coverage.py JSON, Cobertura XML or lcov) into PATH's graph.

    Replaces the previous import; it is re-applied after every re-index.
    """
    from vibe.graph import extras

    with _indexed_db(path, db_path) as (session, row):
        summary = extras.import_coverage(session, row, report.read_bytes(), filename=report.name)
        session.commit()
    s = summary["summary"]
    table = Table(title=f"{report.name} ({summary['format']}) → {row.root}")
    table.add_column("what")
    table.add_column("value", justify="right")
    totals = s["totals"]
    table.add_row("lines covered", f"{totals['covered']}/{totals['total']} ({totals['percent']}%)")
    table.add_row("files", str(len(s["files"])))
    table.add_row("functions covered", f"{s['functions_covered']}/{s['functions']}")
    table.add_row("tests", str(s["tests"]))
    table.add_row("covers edges", str(s["covers"]))
    table.add_row("unmatched paths", str(len(s["unmatched"])))
    out = Console()
    out.print(table)
    lowest = [f for f in s["files"] if f["percent"] < 100.0][:10]
    if lowest:
        files = Table(title="least covered files")
        files.add_column("file")
        files.add_column("covered", justify="right")
        for f in lowest:
            files.add_row(f["file"], f"{f['covered']}/{f['total']} ({f['percent']}%)")
        out.print(files)


@contextmanager
def _progress(console: Console, description: str = "indexing") -> Iterator[Any]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[item]}"),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=1.0, item="")

        def report(fraction: float, message: str) -> None:
            bar.update(task, completed=fraction, item=message[-60:])

        yield report


def _summary_table(outcome: service.IndexOutcome) -> Table:
    s = outcome.summary
    table = Table()
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("files", str(s["files"]))
    for kind, n in s["nodes"].items():
        table.add_row(f"nodes: {kind}", str(n))
    for kind, n in s["edges"].items():
        table.add_row(f"edges: {kind}", str(n))
    table.add_row("unresolved references", str(s["unresolved"]))
    table.add_row("unresolved share of calls", f"{s['unresolved_call_share']:.1%}")
    table.add_row("files with syntax errors", str(s["files_with_errors"]))
    table.add_row("skipped files", str(s["skipped"]))
    for reason, n in s["skipped_reasons"].items():
        table.add_row(f"  skipped: {reason}", str(n))
    table.add_row("time", f"{outcome.seconds:.2f} s")
    return table


# -- queries ---------------------------------------------------------------------------------------
@graph_cli.group("query")
def query_cli() -> None:
    """Ask the stored graph: search, node, callers, callees, path, impact, overview."""


@contextmanager
def _loaded(db_path: Path | None) -> Iterator[tuple[Session, GraphIndexRow, nx.MultiDiGraph]]:
    path = db_path or Path(DEFAULT_DB_NAME)
    if not path.exists():
        raise click.ClickException(f"no graph at {path}: run `vibe graph index PATH` first")
    with open_db(path) as session, _errors():
        row = service.latest_index(session=session)
        yield session, row, service.loaded_graph(row, session=session)


def _node(g: nx.MultiDiGraph, ref: str) -> str:
    """A node id from an id, a qualified name or a unique exact name."""
    if ref in g:
        return ref
    exact = [n for n, d in g.nodes(data=True) if d["qname"] == ref]
    exact = exact or [r["id"] for r in query.search(g, ref, limit=5) if r["match"] == "exact"]
    if len(exact) == 1:
        return exact[0]
    hint = ", ".join(g.nodes[n]["qname"] for n in exact[:5]) or "nothing matches"
    raise click.ClickException(f"{ref!r} is ambiguous or unknown ({hint}); use a qualified name")


def _print(data: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    rows = data if isinstance(data, list) else data.get("nodes", [data])
    columns = [
        c
        for c in ("kind", "qname", "file", "start_line", "depth", "match")
        if any(c in r for r in rows)
    ]
    table = Table(*columns)
    for r in rows:
        table.add_row(*(str(r.get(c, "")) for c in columns))
    Console().print(table)
    if isinstance(data, dict) and data.get("truncated"):
        click.echo("(truncated: raise --limit or --depth)")


JsonOption = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@query_cli.command("search")
@click.argument("text")
@click.option("--kind", multiple=True, help="Only these node kinds.")
@click.option("--limit", type=int, default=20, show_default=True)
@DbOption
@JsonOption
def search_command(
    text: str, kind: tuple[str, ...], limit: int, db_path: Path | None, as_json: bool
) -> None:
    """Find nodes by name (exact, prefix, substring, fuzzy)."""
    with _loaded(db_path) as (_, _row, g):
        _print(query.search(g, text, limit=limit, kinds=kind), as_json)


@query_cli.command("node")
@click.argument("ref")
@DbOption
def node_command(ref: str, db_path: Path | None) -> None:
    """Everything stored about one node (id, qualified name or unique name)."""
    with _loaded(db_path) as (session, row, g):
        click.echo(
            json.dumps(service.node_details(row, g, _node(g, ref), session=session), indent=2)
        )


def _reach_command(name: str, help_text: str, default_depth: int) -> None:
    @query_cli.command(name, help=help_text)
    @click.argument("ref")
    @click.option("--depth", type=int, default=default_depth, show_default=True)
    @click.option("--limit", type=int, default=200, show_default=True)
    @DbOption
    @JsonOption
    def command(ref: str, depth: int, limit: int, db_path: Path | None, as_json: bool) -> None:
        with _loaded(db_path) as (_, _row, g):
            _print(getattr(query, name)(g, _node(g, ref), depth=depth, limit=limit), as_json)


_reach_command("callers", "Who calls REF, transitively up to --depth.", 1)
_reach_command("callees", "What REF calls, transitively up to --depth.", 1)
_reach_command("impact", "What may break if REF changes (reverse closure).", 3)


@query_cli.command("path")
@click.argument("source")
@click.argument("target")
@DbOption
@JsonOption
def path_command(source: str, target: str, db_path: Path | None, as_json: bool) -> None:
    """The shortest path from SOURCE to TARGET."""
    with _loaded(db_path) as (_, _row, g):
        result = query.shortest_path(g, _node(g, source), _node(g, target))
        if as_json:
            _print(result, True)
            return
        for step, n in enumerate(result["nodes"]):
            via = f" --{result['edges'][step - 1]['kind']}--> " if step else ""
            click.echo(f"{via}{n['qname']} ({n['kind']})")


@query_cli.command("overview")
@click.option("--level", type=click.Choice(["module", "package"]), default="module")
@click.option("--external", is_flag=True, help="Include external packages.")
@click.option("--limit", type=int, default=30, show_default=True)
@DbOption
@JsonOption
def overview_command(
    level: str, external: bool, limit: int, db_path: Path | None, as_json: bool
) -> None:
    """The busiest dependencies between modules or packages."""
    with _loaded(db_path) as (_, _row, g):
        result = query.overview(g, level=level, include_external=external, limit=limit)
        if as_json:
            _print(result, True)
            return
        table = Table("from", "to", "edges", "by kind")
        for e in result["edges"]:
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(e["kinds"].items()))
            table.add_row(e["source"], e["target"], str(e["total"]), kinds)
        Console().print(table)


@graph_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(list(export.FORMATS)), default="cytoscape")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@DbOption
def export_command(fmt: str, output: Path | None, db_path: Path | None) -> None:
    """Write the whole graph in FORMAT to -o FILE (or standard output)."""
    with _loaded(db_path) as (_, _row, g):
        text = export.export(g, fmt)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output} ({fmt})", err=True)
