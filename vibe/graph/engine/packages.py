"""Which declared distribution a third-party Python import belongs to, for `imports` edges.

`import yaml` points at the `external_package` node of PyYAML (`pyyaml`, with its manifests and
locked version) when a manifest declares it; without a declaration the import keeps pointing at
the node named after the top-level import name, so ids stay stable in projects without manifests.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath

from vibe.graph.engine.manifests import Declared, is_manifest, package_nodes
from vibe.graph.engine.model import Node
from vibe.graph.engine.pkgmap import link_python


class PackageNames:
    """Maps dotted Python import names to package names, given the declared PyPI packages."""

    def __init__(self, project: str, declared: Iterable[Declared] = ()) -> None:
        pypi = [d for d in declared if d.ecosystem == "pypi"]
        self.nodes: dict[str, Node] = {n.qname: n for n in package_nodes(project, pypi)}
        self.names = frozenset(self.nodes)
        self._cache: dict[str, str] = {}

    def python(self, name: str, top: str) -> str:
        """Package of the import `name` (top-level `top`): a declared distribution or `top`."""
        if not self.names:
            return top
        found = self._cache.get(name)
        if found is None:
            link = link_python(name, self.names)
            found = self._cache[name] = link.package if link.kind == "package" else top
        return found

    def node(self, package: str) -> Node | None:
        """The manifest-built node of a declared package (None for undeclared names)."""
        return self.nodes.get(package)

    def stale(self, used: dict[str, tuple[str, str]]) -> bool:
        """Whether a resolution that mapped names as in `used` would map them differently now."""
        return any(self.python(name, top) != package for name, (top, package) in used.items())


def touches_manifest(paths: Iterable[str]) -> bool:
    """Whether any of `paths` is a dependency manifest (then declared packages are re-read)."""
    return any(is_manifest(PurePosixPath(p).parent.name, PurePosixPath(p).name) for p in paths)
