"""Benchmark the graph engine: full index vs tree-sitter parse-only, memory, incremental updates.

Usage: python bench/graph_index.py [DIR] [--workers N] [--updates N]
DIR defaults to the virtualenv's site-packages. The tree is copied to a temporary folder first
(incremental updates edit files), then every figure is printed next to the parse-only baseline
measured in the same run, so results on a busy machine stay comparable.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vibe.graph.engine.api import summarize
from vibe.graph.engine.index import GraphIndex
from vibe.graph.engine.languages import language_for
from vibe.graph.engine.parse import SkipFile, parse, read_source
from vibe.graph.engine.walk import iter_source_files

TARGET_RATIO = 0.75
TARGET_P95_MS = 200.0


def copy_sources(source: Path, target: Path) -> None:
    """Copy only the files the engine reads (keeps the copy small and fast)."""

    def ignore(directory: str, names: list[str]) -> list[str]:
        return [
            n for n in names if not (Path(directory, n).is_dir() or language_for(n) is not None)
        ]

    shutil.copytree(source, target, symlinks=True, ignore=ignore, dirs_exist_ok=True)


def parse_only(root: Path, paths: list[str]) -> float:
    """Seconds to read and parse every file with tree-sitter alone, in this process."""
    start = time.perf_counter()
    for rel in paths:
        try:
            data = read_source(root / rel)
        except SkipFile:
            continue
        parse(language_for(rel) or "python", data)
    return time.perf_counter() - start


def incremental(index: GraphIndex, root: Path, count: int) -> list[float]:
    """Milliseconds per single-file update (append a function to a random Python file)."""
    python = sorted(p for p in index.files if p.endswith(".py"))
    chosen = random.Random(42).sample(python, min(count, len(python)))
    timings = []
    for rel in chosen:
        path = root / rel
        original = path.read_bytes()
        path.write_bytes(original + b"\n\ndef _bench_added():\n    return _bench_added()\n")
        start = time.perf_counter()
        index.update([rel])
        timings.append((time.perf_counter() - start) * 1000)
        path.write_bytes(original)
        index.update([rel])
    return timings


class MemorySampler(threading.Thread):
    """Samples this process and its descendants (pool workers are forkserver grandchildren, so
    RUSAGE_CHILDREN never sees them) from /proc: each process's peak (VmHWM) and the peak of the
    summed resident sets (VmRSS) of all of them at one moment."""

    def __init__(self, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.peaks: dict[int, int] = {}  # pid -> VmHWM in kB, for descendants
        self.total_kb = 0
        self.pss_kb = 0  # peak of the summed proportional set sizes (shared pages counted once)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self.done.set()
        self.join()
        self.sample()

    def sample(self) -> None:
        me = os.getpid()
        total = pss = 0
        for pid in [me, *descendants(me)]:
            status = proc_status(pid)
            total += status.get("VmRSS", 0)
            pss += proc_pss(pid)
            if pid != me and "VmHWM" in status:
                self.peaks[pid] = max(self.peaks.get(pid, 0), status["VmHWM"])
        self.total_kb = max(self.total_kb, total)
        self.pss_kb = max(self.pss_kb, pss)


def proc_status(pid: int) -> dict[str, int]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    found = {}
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def proc_pss(pid: int) -> int:
    """Proportional set size in kB: forked workers' copy-on-write pages are split, not doubled."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith("Pss:")), 0)


def descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        for child in parents.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def peak_rss_mb(sampler: MemorySampler) -> tuple[float, float, float]:
    """(main process peak, largest descendant peak, peak of main + descendants together) in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    worker = max([reaped, *(kb / 1024 for kb in sampler.peaks.values())])
    return own, worker, max(sampler.total_kb / 1024, own)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dir", nargs="?", default=sysconfig.get_paths()["purelib"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--updates", type=int, default=40)
    parser.add_argument(
        "--resolve-workers", type=int, default=1, help="resolve in forked helpers too (opt-in)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tree"
        copy_sources(Path(args.dir), root)
        paths = [p for p, reason in iter_source_files(root) if reason is None]
        baseline = parse_only(root, paths)
        sampler = MemorySampler()
        sampler.start()
        start = time.perf_counter()
        index = GraphIndex(root, workers=args.workers, resolve_workers=args.resolve_workers)
        index.index_all()
        graph = index.graph()
        full = time.perf_counter() - start
        sampler.stop()
        updates = incremental(index, root, args.updates)
        report(args, len(paths), baseline, full, updates, summarize(graph), sampler)


def report(
    args, files: int, baseline: float, full: float, updates: list[float], summary, sampler
) -> None:
    parse_rate, full_rate = files / baseline, files / full
    ratio = full_rate / parse_rate
    own, worker, overall = peak_rss_mb(sampler)
    p50 = statistics.median(updates) if updates else 0.0
    p95 = statistics.quantiles(updates, n=20)[18] if len(updates) >= 2 else p50
    print(f"dir                      {args.dir}")
    print(f"files                    {files}")
    print(f"parse-only (baseline)    {parse_rate:8.1f} files/s  ({baseline:.2f} s, 1 process)")
    print(
        f"full index               {full_rate:8.1f} files/s  ({full:.2f} s, "
        f"workers={args.workers}, resolve workers={args.resolve_workers})"
    )
    print(f"full / parse-only        {ratio:8.2f}x  (target >= {TARGET_RATIO}x)")
    print(f"projected 10k files      {10_000 / full_rate:8.1f} s  (target <= 30 s)")
    print(f"peak RSS                 {own:8.0f} MB main, {worker:.0f} MB largest worker")
    print(f"peak RSS overall         {overall:8.0f} MB  (main + workers at once; target <= 1500)")
    print(
        f"peak PSS overall         {sampler.pss_kb / 1024:8.0f} MB  "
        "(same, shared copy-on-write pages counted once)"
    )
    print(
        f"incremental update p50   {p50:8.1f} ms  ({p50 / 1000 * parse_rate:.2f}x one parse-file)"
    )
    print(f"incremental update p95   {p95:8.1f} ms  (target <= {TARGET_P95_MS:.0f} ms)")
    print(
        f"nodes {sum(summary['nodes'].values())}  edges {sum(summary['edges'].values())}  "
        f"unresolved call share {summary['unresolved_call_share']:.1%}  "
        f"skipped {summary['skipped']}"
    )


if __name__ == "__main__":
    main()
