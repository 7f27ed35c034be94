"""Which package an import comes from: `import yaml` → PyYAML, `@scope/pkg/sub` → `@scope/pkg`.

Python import names and distribution names often differ, so a name is tried in order against the
project's declared packages (exact name), a distribution map (this environment's
`importlib.metadata.packages_distributions()` plus a shipped table of well-known mismatches) and
finally normalised-name guesses. The standard library and Node built-ins are recognised and
never linked to a package.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vibe.graph.engine.emit import NODE_BUILTINS, STDLIB_PYTHON
from vibe.graph.engine.manifests import normalize_pypi
from vibe.graph.engine.model import Edge, GraphData, Node
from vibe.graph.engine.modules import js_package

# Import name → distributions that provide it (the usual suspects when names differ).
KNOWN_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "yaml": ("PyYAML",),
    "PIL": ("Pillow",),
    "sklearn": ("scikit-learn",),
    "skimage": ("scikit-image",),
    "bs4": ("beautifulsoup4",),
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python"),
    "dateutil": ("python-dateutil",),
    "dotenv": ("python-dotenv",),
    "jwt": ("PyJWT",),
    "jose": ("python-jose",),
    "magic": ("python-magic",),
    "multipart": ("python-multipart",),
    "slugify": ("python-slugify",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "serial": ("pyserial",),
    "usb": ("pyusb",),
    "zmq": ("pyzmq",),
    "OpenSSL": ("pyOpenSSL",),
    "Crypto": ("pycryptodome", "pycrypto"),
    "Cryptodome": ("pycryptodomex",),
    "nacl": ("PyNaCl",),
    "git": ("GitPython",),
    "github": ("PyGithub",),
    "gitlab": ("python-gitlab",),
    "gi": ("PyGObject",),
    "cairo": ("pycairo",),
    "attr": ("attrs",),
    "google.protobuf": ("protobuf",),
    "googleapiclient": ("google-api-python-client",),
    "grpc": ("grpcio",),
    "MySQLdb": ("mysqlclient",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "pkg_resources": ("setuptools",),
    "_pytest": ("pytest",),
    "dns": ("dnspython",),
    "ldap": ("python-ldap",),
    "socks": ("PySocks",),
    "websocket": ("websocket-client",),
    "kafka": ("kafka-python",),
    "telegram": ("python-telegram-bot",),
    "discord": ("discord.py",),
    "fitz": ("PyMuPDF",),
    "wx": ("wxPython",),
    "win32api": ("pywin32",),
    "win32con": ("pywin32",),
    "OpenGL": ("PyOpenGL",),
    "Bio": ("biopython",),
    "osgeo": ("GDAL",),
    "mpl_toolkits": ("matplotlib",),
    "pylab": ("matplotlib",),
    "umap": ("umap-learn",),
    "faiss": ("faiss-cpu", "faiss-gpu"),
    "llama_cpp": ("llama-cpp-python",),
    "speech_recognition": ("SpeechRecognition",),
    "ffmpeg": ("ffmpeg-python",),
    "rest_framework": ("djangorestframework",),
    "corsheaders": ("django-cors-headers",),
    "debug_toolbar": ("django-debug-toolbar",),
    "environ": ("django-environ",),
    "crispy_forms": ("django-crispy-forms",),
    "django_filters": ("django-filter",),
    "ruamel": ("ruamel.yaml",),
    "markdown": ("Markdown",),
    "Levenshtein": ("Levenshtein", "python-Levenshtein"),
    "snappy": ("python-snappy",),
    "Xlib": ("python-xlib",),
    "sentry_sdk": ("sentry-sdk",),
    "tree_sitter_language_pack": ("tree-sitter-language-pack",),
}
NODE_EXTRA_BUILTINS = frozenset(
    {"async_hooks", "cluster", "console", "constants", "dgram", "diagnostics_channel", "dns",
     "domain", "http2", "inspector", "module", "perf_hooks", "punycode", "repl", "sys", "test",
     "trace_events", "tty", "v8", "wasi"}
)  # fmt: skip
DECLARED_CONFIDENCE = 1.0
MAP_CONFIDENCE = 0.9
NAME_MATCH_CONFIDENCE = 0.7
AMBIGUOUS_CONFIDENCE = 0.5
_PREFIXES = ("python-", "py-", "py", "django-")
_SUFFIXES = ("-python", "-py", "-sdk", "-client")


@dataclass(slots=True, frozen=True)
class ImportUse:
    """One import of a module: the imported name (dotted or a JS specifier) and where it is."""

    name: str
    language: str = "python"
    file: str = ""
    line: int = 0


@dataclass(slots=True, frozen=True)
class Link:
    """What an import resolved to: a declared package, the stdlib/a builtin, or nothing known."""

    kind: str  # "package" | "stdlib" | "builtin" | "undeclared" | "local"
    package: str = ""  # normalised package name when kind == "package" (or the guess otherwise)
    confidence: float = 0.0
    resolution: str = ""  # "declared" | "distribution-map" | "name-match"


@functools.cache
def environment_distributions() -> Mapping[str, tuple[str, ...]]:
    """Top-level import name → distributions, from the running interpreter's installed packages."""
    return {k: tuple(v) for k, v in importlib.metadata.packages_distributions().items()}


def link_python(name: str, declared: Mapping[str, Node] | Iterable[str]) -> Link:
    """Resolve a dotted Python import name against the declared (normalised) package names."""
    names = set(declared)
    top = name.split(".", 1)[0]
    if top in STDLIB_PYTHON:
        return Link("stdlib", top)
    if top == normalize_pypi(top) and top in names:
        return Link("package", top, DECLARED_CONFIDENCE, "declared")
    dotted = [
        c for c in _dotted_prefixes(name)[:-1] if c in names
    ]  # google.cloud.x → google-cloud-x
    if dotted:
        return Link("package", dotted[0], NAME_MATCH_CONFIDENCE, "name-match")
    mapped = _mapped(name, names)
    if mapped:
        confidence = MAP_CONFIDENCE if len(mapped) == 1 else AMBIGUOUS_CONFIDENCE
        return Link("package", mapped[0], confidence, "distribution-map")
    guessed = _guesses(name, names)
    if guessed:
        confidence = NAME_MATCH_CONFIDENCE if len(guessed) == 1 else AMBIGUOUS_CONFIDENCE
        return Link("package", guessed[0], confidence, "name-match")
    return Link("undeclared", normalize_pypi(top))


def link_js(specifier: str, declared: Mapping[str, Node] | Iterable[str]) -> Link:
    """Resolve a JS/TS import specifier: bare → npm package, `node:`/built-in → builtin."""
    if specifier.startswith((".", "/", "#")) or not specifier:
        return Link("local")
    package = js_package(specifier)
    if specifier.startswith("node:") or package in NODE_BUILTINS | NODE_EXTRA_BUILTINS:
        return Link("builtin", package)
    if package in set(declared):
        return Link("package", package, DECLARED_CONFIDENCE, "declared")
    return Link("undeclared", package)


def _dotted_prefixes(name: str) -> list[str]:
    parts = name.split(".")
    return [normalize_pypi("-".join(parts[:n])) for n in range(len(parts), 0, -1)]


def _mapped(name: str, names: set[str]) -> list[str]:
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        candidates = KNOWN_DISTRIBUTIONS.get(key, ()) + environment_distributions().get(key, ())
        found = list(dict.fromkeys(normalize_pypi(c) for c in candidates))
        declared = [c for c in found if c in names]
        if declared:
            return declared
    return []


def _guesses(name: str, names: set[str]) -> list[str]:
    wanted = {c.replace("-", "") for c in _dotted_prefixes(name)}
    return sorted(d for d in names if _bare(d) in wanted or d.replace("-", "") in wanted)


def _bare(distribution: str) -> str:
    for prefix in _PREFIXES:
        distribution = distribution.removeprefix(prefix)
    for suffix in _SUFFIXES:
        distribution = distribution.removesuffix(suffix)
    return re.sub(r"[-_.]", "", distribution)


def link(use: ImportUse, packages: Mapping[str, Node]) -> Link:
    """Resolve one import against packages keyed by name, by the import's language."""
    if use.language == "python":
        return link_python(use.name, _by_ecosystem(packages, "pypi"))
    return link_js(use.name, _by_ecosystem(packages, "npm"))


def _by_ecosystem(packages: Mapping[str, Node], ecosystem: str) -> set[str]:
    return {n for n, node in packages.items() if ecosystem in node.attrs.get("ecosystem", "")}


def depends_on_edges(
    modules_imports: Mapping[str, Iterable[ImportUse]], packages: Iterable[Node]
) -> list[Edge]:
    """`depends_on` edges module → declared `external_package`, one per (module, package).

    `modules_imports` maps a module node id to what it imports; `packages` are the nodes
    `manifests.package_nodes` built. The edge's `resolution` says how the link was made
    ("declared", "distribution-map", "name-match"). `Edge` has no attributes, so the version
    travels on the target node (`attrs["version"]`); `edge_versions` pairs them up for storage.
    """
    by_name = {node.qname: node for node in packages}
    edges: dict[tuple[str, str], Edge] = {}
    for module_id, uses in modules_imports.items():
        for use in uses:
            found = link(use, by_name)
            if found.kind != "package":
                continue
            target = by_name[found.package].id
            key = (module_id, target)
            edge = Edge(
                module_id,
                target,
                "depends_on",
                found.confidence,
                found.resolution,
                use.file,
                use.line,
            )
            if key not in edges or edges[key].confidence < edge.confidence:
                edges[key] = edge
    return list(edges.values())


def imports_from_graph(graph: GraphData) -> dict[str, list[ImportUse]]:
    """Module id → its imports of external packages, read from the engine's `imports` edges."""
    found: dict[str, list[ImportUse]] = {}
    for edge in graph.edges:
        target = graph.nodes.get(edge.target)
        source = graph.nodes.get(edge.source)
        if edge.kind != "imports" or target is None or target.kind != "external_package":
            continue
        language = source.language if source is not None else "python"
        use = ImportUse(target.qname, language or "python", edge.file, edge.line)
        found.setdefault(edge.source, []).append(use)
    return found


def undeclared_imports(
    modules_imports: Mapping[str, Iterable[ImportUse]], packages: Iterable[Node]
) -> dict[str, list[ImportUse]]:
    """Imports of third-party names no manifest declares (neither stdlib, builtin nor local)."""
    by_name = {node.qname: node for node in packages}
    missing: dict[str, list[ImportUse]] = {}
    for module_id, uses in modules_imports.items():
        for use in uses:
            if link(use, by_name).kind == "undeclared":
                missing.setdefault(module_id, []).append(use)
    return missing


def edge_versions(edges: Iterable[Edge], packages: Iterable[Node]) -> dict[tuple[str, str], str]:
    """(module id, package id) → locked version (else the declared constraint) of the package."""
    by_id = {node.id: node for node in packages}
    versions = {}
    for edge in edges:
        node = by_id.get(edge.target)
        if node is not None:
            versions[edge.source, edge.target] = node.attrs.get("version") or node.attrs.get(
                "constraint", ""
            )
    return versions
