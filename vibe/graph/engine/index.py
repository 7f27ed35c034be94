"""The incremental index: per-file extraction, dependency-driven re-resolution, graph assembly.

`GraphIndex` keeps one `FileResult` and one `FileResolution` per file. An update re-extracts
changed files (by content hash), diffs the symbol table, and re-resolves only the files whose
recorded lookups changed meaning, so the result always equals a clean re-index.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vibe.graph.engine.emit import FileResolution
from vibe.graph.engine.gcpause import paused_gc
from vibe.graph.engine.languages import GRAMMARS, language_for
from vibe.graph.engine.manifests import scan_manifests
from vibe.graph.engine.model import Edge, FileResult, GraphData, Node, Skipped
from vibe.graph.engine.packages import PackageNames, touches_manifest
from vibe.graph.engine.parallel import extract_many
from vibe.graph.engine.parallel_resolve import resolve_many
from vibe.graph.engine.parse import DEFAULT_MAX_FILE_BYTES
from vibe.graph.engine.structure import directory_structure, file_structure
from vibe.graph.engine.symbols import changed_keys, file_keys, python_keys
from vibe.graph.engine.walk import iter_source_files

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool] | threading.Event
EXTRACT_SHARE = 0.85


class IndexCancelled(Exception):
    """Raised by an update whose cancel check fired; the index is left as it was before."""


@dataclass(slots=True)
class UpdateReport:
    """What one update did: files (re)extracted, removed, skipped, and files re-resolved."""

    extracted: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


class GraphIndex:
    """An in-memory, incrementally updatable graph of the source files under `root`."""

    def __init__(
        self,
        root: str | Path,
        *,
        project: str = "",
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        workers: int = 1,
        resolve_workers: int = 1,
    ) -> None:
        # Resolving in forked helpers saves ~7 % of a full index but each helper ends up with its
        # own copy of the index (reference counting writes to every page it reads): +700 MB on
        # 10k files. Memory is the scarcer resource on a shared server, so it is opt-in.
        self.root = Path(root).resolve()
        self.project = project or self.root.name
        self.max_file_bytes = max_file_bytes
        self.workers = workers
        self.resolve_workers = resolve_workers
        self.files: dict[str, FileResult] = {}
        self.skipped: dict[str, Skipped] = {}
        self.resolutions: dict[str, FileResolution] = {}
        self._key_map: dict[str, Any] = {}
        self._file_keys: dict[str, dict[str, Any]] = {}
        self._python_keys: dict[str, str] = {}
        self._structure: dict[str, tuple[list[Node], list[Edge]]] = {}
        self.packages = PackageNames(self.project)
        self._packages_changed = False

    def index_all(
        self, *, progress: Progress | None = None, cancel: Cancel | None = None
    ) -> UpdateReport:
        """Scan the whole root: new and changed files are extracted, vanished ones dropped."""
        listed = dict(iter_source_files(self.root))
        gone = [p for p in [*self.files, *self.skipped] if p not in listed]
        self.scan_packages()
        return self._apply(listed, gone, progress, cancel)

    def scan_packages(self) -> None:
        """Re-read the declared dependencies (manifests) that third-party imports link to."""
        packages = PackageNames(self.project, scan_manifests(self.root))
        if packages.names != self.packages.names:
            self._packages_changed = True
        self.packages = packages

    def update(
        self,
        paths: Iterable[str],
        *,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> UpdateReport:
        """Re-index only `paths` (root-relative or absolute): changed, added, deleted, renamed.

        A dependency manifest among `paths` re-reads the declared packages."""
        paths = [str(p) for p in paths]
        if touches_manifest(paths):
            self.scan_packages()
        listed: dict[str, str | None] = {}
        gone: list[str] = []
        for raw in paths:
            rel = self._relative(raw)
            if rel is None:
                continue
            reason = self._problem(rel)
            if reason == "missing":
                gone.append(rel)
            else:
                listed[rel] = reason
        return self._apply(listed, gone, progress, cancel)

    def _relative(self, raw: str) -> str | None:
        path = Path(raw)
        absolute = path if path.is_absolute() else self.root / path
        try:
            rel = Path(os.path.normpath(absolute)).relative_to(self.root).as_posix()
        except ValueError:
            return None
        return rel if rel not in ("", ".") and language_for(rel) is not None else None

    def _problem(self, rel: str) -> str | None:
        absolute = self.root / rel
        if not absolute.is_file():
            return "missing"
        real = Path(os.path.realpath(absolute))
        if real != self.root and self.root not in real.parents:
            return "symlink outside root"
        return None

    def _apply(
        self,
        listed: dict[str, str | None],
        gone: list[str],
        progress: Progress | None,
        cancel: Cancel | None,
    ) -> UpdateReport:
        with paused_gc():
            return self._apply_paused(listed, gone, progress, cancel)

    def _apply_paused(
        self,
        listed: dict[str, str | None],
        gone: list[str],
        progress: Progress | None,
        cancel: Cancel | None,
    ) -> UpdateReport:
        report = UpdateReport(removed=sorted(gone))
        todo = sorted(p for p, reason in listed.items() if reason is None)
        known = {p: self.files[p].content_hash for p in todo if p in self.files}
        results = extract_many(
            self.root,
            todo,
            known,
            self.max_file_bytes,
            self.workers,
            _scaled(progress, EXTRACT_SHARE),
            _checker(cancel),
        )
        if results is None:
            raise IndexCancelled("indexing cancelled")
        skipped = [Skipped(p, r) for p, r in listed.items() if r is not None]
        skipped += [r for r in results.values() if isinstance(r, Skipped)]
        for path in [*gone, *(s.path for s in skipped)]:
            self._forget(path)
        for s in skipped:
            self.skipped[s.path] = s
        for path, result in results.items():
            if isinstance(result, FileResult):
                self.skipped.pop(path, None)
                self.files[path] = result
                self._structure.pop(path, None)
                report.extracted.append(path)
        report.skipped = sorted(skipped, key=lambda s: s.path)
        touched = {*gone, *(s.path for s in skipped), *report.extracted}
        report.resolved = self._resolve_affected(touched)
        if progress is not None:
            progress(1.0, "done")
        return report

    def _forget(self, path: str) -> None:
        self.files.pop(path, None)
        self.skipped.pop(path, None)
        self.resolutions.pop(path, None)
        self._structure.pop(path, None)

    @classmethod
    def from_state(
        cls,
        root: str | Path,
        files: Mapping[str, FileResult],
        resolutions: Mapping[str, FileResolution],
        skipped: Iterable[Skipped] = (),
        **options: Any,
    ) -> GraphIndex:
        """An index primed with per-file state saved from an earlier run (same engine version).

        `options` are the constructor's (`project`, `workers`, `max_file_bytes`). The symbol
        table is rebuilt from `files`, so the next update diffs against what `resolutions` saw
        and re-resolves exactly the files a clean re-index would resolve differently.
        """
        index = cls(root, **options)
        index.files = dict(files)
        index.resolutions = {p: r for p, r in resolutions.items() if p in index.files}
        index.skipped = {s.path: s for s in skipped if s.path not in index.files}
        index.rebuild_keys()
        index.scan_packages()
        index._packages_changed = True  # the saved resolutions may have seen other manifests
        return index

    def rebuild_keys(self) -> None:
        """Recompute the symbol table from `files` (after they were replaced wholesale)."""
        self._file_keys = {path: file_keys(result) for path, result in self.files.items()}
        self._python_keys = python_keys(self.files)
        self._key_map = {k: v for keys in self._file_keys.values() for k, v in keys.items()}
        self._key_map.update(self._python_keys)

    def _refresh_keys(self, touched: set[str]) -> set[str]:
        changed: set[str] = set()
        for path in touched:
            old = self._file_keys.pop(path, {})
            new = file_keys(self.files[path]) if path in self.files else {}
            changed |= changed_keys(old, new)
            for key in old:
                self._key_map.pop(key, None)
            self._key_map.update(new)
            if new:
                self._file_keys[path] = new
        if not any(k.startswith(("file:", "meta:")) for k in changed):
            return changed  # same files, same module names: module lookups cannot change
        python = python_keys(self.files)
        changed |= changed_keys(self._python_keys, python)
        for key in self._python_keys:
            self._key_map.pop(key, None)
        self._key_map.update(python)
        self._python_keys = python
        return changed

    def _resolve_affected(self, touched: set[str]) -> list[str]:
        changed = self._refresh_keys(touched)
        affected = {p for p in touched if p in self.files}
        affected |= {p for p, res in self.resolutions.items() if not res.deps.isdisjoint(changed)}
        if self._packages_changed:
            affected |= {p for p, r in self.resolutions.items() if self.packages.stale(r.packages)}
            self._packages_changed = False
        done = [
            p for p in sorted(affected) if p in self.files and GRAMMARS[self.files[p].language].full
        ]
        self.resolutions.update(
            resolve_many(
                self.files, self._key_map, self.project, self.packages, done, self.resolve_workers
            )
        )
        return done

    def graph(self) -> GraphData:
        """Assemble the whole graph from the per-file parts (deterministic, path-ordered)."""
        with paused_gc():
            return self._graph()

    def _graph(self) -> GraphData:
        data = GraphData(self.project, str(self.root))
        paths = sorted(self.files)
        dir_nodes, dir_edges = directory_structure(self.project, self.root.name, paths)
        seen: set[tuple[str, str, str]] = set()
        _add(data, dir_nodes, dir_edges, seen)
        for path in paths:
            if path not in self._structure:
                self._structure[path] = file_structure(self.project, self.files[path])
            _add(data, *self._structure[path], seen)
            if self.files[path].errors:
                data.errors[path] = list(self.files[path].errors)
            data.file_hashes[path] = self.files[path].content_hash
        for path in paths:
            resolution = self.resolutions.get(path)
            if resolution is not None:
                _add(data, list(resolution.externals.values()), resolution.edges, seen)
                data.unresolved.extend(resolution.unresolved)
        data.skipped = sorted(self.skipped.values(), key=lambda s: s.path)
        return data


def _add(data: GraphData, nodes: list[Node], edges: list[Edge], seen: set) -> None:
    for node in nodes:
        data.nodes.setdefault(node.id, node)
    for edge in edges:
        key = (edge.source, edge.target, edge.kind)
        if key not in seen:
            seen.add(key)
            data.edges.append(edge)


def _scaled(progress: Progress | None, share: float) -> Progress | None:
    if progress is None:
        return None
    return lambda fraction, message: progress(fraction * share, message)


def _checker(cancel: Cancel | None) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return cancel
