"""Structural nodes and edges: repository → directories → files → modules → definitions.

They depend only on one file (or on the set of paths, for directories), so they are rebuilt
cheaply on every graph assembly and never need resolution.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from vibe.graph.engine.ids import node_id
from vibe.graph.engine.model import Edge, FileResult, Node

REPOSITORY_QNAME = ""


def file_structure(project: str, result: FileResult) -> tuple[list[Node], list[Edge]]:
    """The file, module and definition nodes of one file and the edges that nest them."""
    language, path = result.language, result.path
    file_id = node_id(project, "file", path)
    module_id = node_id(project, "module", result.module)
    last_line = max((d.end_line for d in result.defs), default=1)
    nodes = [
        Node(file_id, "file", path, PurePosixPath(path).name, language, path, 1, last_line),
        Node(
            module_id,
            "module",
            result.module,
            result.module.rsplit(".", 1)[-1],
            language,
            path,
            1,
            last_line,
            docstring=result.docstring,
            attrs={"package": result.is_package},
        ),
    ]
    edges = [Edge(file_id, module_id, "contains", 1.0, "syntax", path)]
    ids = {result.module: module_id}
    for d in result.defs:
        def_id = node_id(project, d.kind, d.qname)
        ids.setdefault(d.qname, def_id)
        nodes.append(
            Node(
                def_id,
                d.kind,
                d.qname,
                d.name,
                language,
                path,
                d.start_line,
                d.end_line,
                d.signature,
                d.docstring,
            )
        )
        parent = ids.get(d.qname.rpartition(".")[0], module_id)
        edges.append(Edge(parent, def_id, "defines", 1.0, "syntax", path, d.start_line))
    return nodes, edges


def directory_structure(
    project: str, root_name: str, paths: list[str]
) -> tuple[list[Node], list[Edge]]:
    """Repository and directory nodes for a set of file paths, with `contains` edges."""
    repo_id = node_id(project, "repository", REPOSITORY_QNAME)
    nodes = {repo_id: Node(repo_id, "repository", REPOSITORY_QNAME, root_name)}
    edges: set[Edge] = set()
    for path in paths:
        parent_id = repo_id
        parts = PurePosixPath(path).parts
        for depth in range(1, len(parts)):
            directory = "/".join(parts[:depth])
            dir_id = node_id(project, "directory", directory)
            if dir_id not in nodes:
                nodes[dir_id] = Node(
                    dir_id, "directory", directory, parts[depth - 1], file=directory
                )
            edges.add(Edge(parent_id, dir_id, "contains"))
            parent_id = dir_id
        edges.add(Edge(parent_id, node_id(project, "file", path), "contains"))
    return list(nodes.values()), sorted(edges, key=lambda e: (e.source, e.target))
