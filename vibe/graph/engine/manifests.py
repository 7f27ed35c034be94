"""Declared dependencies: PyPI and npm manifests and lockfiles → `external_package` nodes.

Manifests say what a project asks for (name, constraint, dev or not); the nearest lockfile in the
same directory or above says what was installed. Names are normalised (PEP 503 for PyPI) so the
same package declared in several files becomes one node, with the engine's id scheme.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from vibe.graph.engine.ids import external_package_id
from vibe.graph.engine.model import Node
from vibe.graph.engine.walk import DEFAULT_IGNORED_DIRS

PYPI_LOCKS = ("poetry.lock", "uv.lock")
NPM_LOCKS = ("package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock")
PNPM_SECTIONS = ("importers", "dependencies", "devDependencies", "optionalDependencies")
DEV_GROUPS = frozenset(
    {"dev", "develop", "test", "tests", "testing", "lint", "docs", "doc", "typing", "ci", "mypy"}
)
NPM_SECTIONS = {
    "dependencies": "",
    "devDependencies": "dev",
    "peerDependencies": "peer",
    "optionalDependencies": "optional",
}
_REQ_FILE = re.compile(r"^(?:.*[-_.])?requirements(?:[-_.].*)?\.txt$")
_REQ = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[(?P<extras>[^\]]*)\])?\s*(?P<rest>.*)$"
)
_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s*=?\s*)(\S+)$")
_EGG = re.compile(r"#(?:.*&)?egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(slots=True)
class Declared:
    """One package as one manifest declares it; `version` is filled from a lockfile or a pin."""

    ecosystem: str  # "pypi" | "npm"
    name: str  # normalised
    constraint: str
    manifest: str  # root-relative POSIX path
    dev: bool = False
    group: str = ""  # "extra:docs", "group:test", "peer", "optional"...
    markers: str = ""
    version: str = ""


def normalize_pypi(name: str) -> str:
    """PEP 503 normalised project name: `Foo_Bar.baz` → `foo-bar-baz`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirement(text: str) -> tuple[str, str, str] | None:
    """(normalised name, constraint, markers) of a PEP 508 string, or None if it names nothing."""
    match = _REQ.match(text.strip())
    if match is None:
        return None
    rest, _, markers = match["rest"].partition(";")
    constraint = rest.strip()
    if constraint.startswith("@"):
        url, _, markers = match["rest"].partition(" ;")
        return normalize_pypi(match["name"]), "@ " + url[1:].strip(), markers.strip()
    if constraint.startswith("(") and constraint.endswith(")"):
        constraint = constraint[1:-1].strip()
    return normalize_pypi(match["name"]), constraint.replace(" ", ""), markers.strip()


# -- requirements files ----------------------------------------------------------------------------
def parse_requirements(path: Path, root: Path, _seen: set[Path] | None = None) -> list[Declared]:
    """Requirements of one file and the files it includes with `-r`; `-c` pins become versions."""
    seen = _seen if _seen is not None else set()
    path = path.resolve()
    if path in seen or not path.is_file():
        return []
    seen.add(path)
    manifest, dev = _rel(path, root), _is_dev_file(path)
    found: list[Declared] = []
    pins: dict[str, str] = {}
    for line in _logical_lines(path.read_text(encoding="utf-8", errors="replace")):
        include = _INCLUDE.match(line)
        if include:
            target = path.parent / include[2]
            if include[1] in ("-r", "--requirement"):
                found += parse_requirements(target, root, seen)
            else:
                pins |= {d.name: d.version for d in parse_requirements(target, root, seen)}
            continue
        parsed = _requirement_line(line)
        if parsed is not None:
            name, constraint, markers = parsed
            found.append(Declared("pypi", name, constraint, manifest, dev, "", markers))
    for item in found:
        item.version = item.version or _pin(item.constraint) or pins.get(item.name, "")
    return found


def _logical_lines(text: str) -> Iterator[str]:
    buffer = ""
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        line, buffer = (buffer + line).strip(), ""
        if line:
            yield line


def _requirement_line(line: str) -> tuple[str, str, str] | None:
    editable = re.match(r"^(-e|--editable)\s*=?\s*(\S+)", line)
    if editable or re.match(r"^[a-z+]+://", line):
        url = editable[2] if editable else line.split()[0]
        egg = _EGG.search(url)
        return (normalize_pypi(egg[1]), url.split("#")[0], "") if egg else None
    if line.startswith("-"):
        return None
    spec = re.split(r"\s--?[a-zA-Z]", f" {line}")[0].strip()  # drop --hash=... and friends
    return parse_requirement(spec) if not spec.startswith((".", "/")) else None


def _pin(constraint: str) -> str:
    match = re.fullmatch(r"===?([^,*;<>=!~\s]+)", constraint)
    return match[1] if match else ""


def _is_dev_file(path: Path) -> bool:
    words = re.split(r"[-_./]+", f"{path.parent.name}/{path.stem}".lower())
    return any(word in DEV_GROUPS for word in words)


# -- pyproject.toml --------------------------------------------------------------------------------
def parse_pyproject(path: Path, root: Path) -> list[Declared]:
    """PEP 621 dependencies and extras, PEP 735 groups, uv dev deps and Poetry (groups too)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    manifest = _rel(path, root)
    project = data.get("project", {})
    own = normalize_pypi(str(project.get("name", "")))
    found = [_pep508(r, manifest, False, "") for r in project.get("dependencies", [])]
    for extra, reqs in project.get("optional-dependencies", {}).items():
        found += [_pep508(r, manifest, extra in DEV_GROUPS, f"extra:{extra}") for r in reqs]
    for group, reqs in data.get("dependency-groups", {}).items():
        found += [_pep508(r, manifest, True, f"group:{group}") for r in reqs if isinstance(r, str)]
    uv_dev = data.get("tool", {}).get("uv", {}).get("dev-dependencies", [])
    found += [_pep508(r, manifest, True, "group:dev") for r in uv_dev]
    found += _poetry(data.get("tool", {}).get("poetry", {}), manifest)
    return [d for d in found if d is not None and d.name != own]


def _pep508(text: str, manifest: str, dev: bool, group: str) -> Declared | None:
    parsed = parse_requirement(text)
    if parsed is None:
        return None
    name, constraint, markers = parsed
    return Declared("pypi", name, constraint, manifest, dev, group, markers, _pin(constraint))


def _poetry(poetry: dict[str, Any], manifest: str) -> list[Declared]:
    sections = [
        ("main", poetry.get("dependencies", {})),
        ("dev", poetry.get("dev-dependencies", {})),
    ]
    sections += [(g, v.get("dependencies", {})) for g, v in poetry.get("group", {}).items()]
    found = []
    for group, deps in sections:
        for name, spec in deps.items():
            if name.lower() == "python":
                continue
            dev, label = group != "main", "" if group == "main" else f"group:{group}"
            constraint = _poetry_constraint(spec)
            found.append(Declared("pypi", normalize_pypi(name), constraint, manifest, dev, label))
    return found


def _poetry_constraint(spec: Any) -> str:
    if isinstance(spec, list):
        return " | ".join(_poetry_constraint(s) for s in spec)
    if isinstance(spec, dict):
        for key in ("version", "git", "path", "url"):
            if key in spec:
                return str(spec[key]) if key == "version" else f"{key}:{spec[key]}"
        return ""
    return str(spec)


# -- package.json ----------------------------------------------------------------------------------
def parse_package_json(path: Path, root: Path) -> list[Declared]:
    """dependencies, devDependencies, peerDependencies and optionalDependencies."""
    data = json.loads(path.read_text(encoding="utf-8"))
    manifest, found = _rel(path, root), []
    for section, group in NPM_SECTIONS.items():
        for name, constraint in (data.get(section) or {}).items():
            found.append(Declared("npm", name, str(constraint), manifest, group == "dev", group))
    return found


# -- lockfiles -------------------------------------------------------------------------------------
def read_python_lock(path: Path) -> dict[str, str]:
    """poetry.lock or uv.lock → normalised name → locked version (several joined by ', ')."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    versions: dict[str, list[str]] = {}
    for package in data.get("package", []):
        if "version" in package:
            bucket = versions.setdefault(normalize_pypi(package["name"]), [])
            if str(package["version"]) not in bucket:
                bucket.append(str(package["version"]))
    return {name: ", ".join(found) for name, found in versions.items()}


def npm_lock_version(lock: Path, name: str, constraint: str, subdir: str) -> str:
    """Version of `name` as installed for the manifest in `subdir` (relative to the lock's dir)."""
    reader = {"yarn.lock": _yarn_version, "pnpm-lock.yaml": _pnpm_version}.get(lock.name)
    return (reader or _package_lock_version)(_cached_lock(lock), name, constraint, subdir)


_LOCK_CACHE: dict[tuple[str, float], Any] = {}


def _cached_lock(lock: Path) -> Any:
    key = (str(lock), lock.stat().st_mtime)
    if key not in _LOCK_CACHE:
        text = lock.read_text(encoding="utf-8", errors="replace")
        if lock.name == "yarn.lock":
            _LOCK_CACHE[key] = read_yarn_lock(text)
        elif lock.name == "pnpm-lock.yaml":
            _LOCK_CACHE[key] = read_yaml_subset(text, PNPM_SECTIONS)
        else:
            _LOCK_CACHE[key] = json.loads(text)
    return _LOCK_CACHE[key]


def _package_lock_version(data: dict[str, Any], name: str, constraint: str, subdir: str) -> str:
    packages = data.get("packages", {})
    prefix = f"{subdir}/" if subdir not in ("", ".") else ""
    for key in (f"{prefix}node_modules/{name}", f"node_modules/{name}"):
        if key in packages:
            return str(packages[key].get("version", ""))
    legacy = data.get("dependencies", {}).get(name, {})  # lockfileVersion 1
    return str(legacy.get("version", "")) if isinstance(legacy, dict) else ""


def read_yarn_lock(text: str) -> dict[tuple[str, str], str]:
    """yarn.lock v1 or berry → (name, range without `npm:`) → version."""
    entries: dict[tuple[str, str], str] = {}
    keys: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            descriptors = line.rstrip(":").split(",") if line.endswith(":") else []
            keys = [_yarn_descriptor(d) for d in descriptors]
            continue
        match = re.match(r'^\s{2}version:?\s+"?([^"\s]+)"?', line)
        if match and keys:
            entries.update(dict.fromkeys(keys, match[1]))
    return entries


def _yarn_descriptor(descriptor: str) -> tuple[str, str]:
    descriptor = descriptor.strip().strip('"')
    name, _, spec = descriptor[1:].partition("@")
    return descriptor[0] + name, spec.removeprefix("npm:")


def _yarn_version(entries: dict, name: str, constraint: str, subdir: str) -> str:
    exact = entries.get((name, constraint.removeprefix("npm:")))
    if exact:
        return exact
    versions = {v for (n, _), v in entries.items() if n == name}
    return versions.pop() if len(versions) == 1 else ""


def _pnpm_version(data: dict, name: str, constraint: str, subdir: str) -> str:
    importers = data.get("importers") or {".": data}
    importer = importers.get(subdir or ".", {}) if isinstance(importers, dict) else {}
    for section in ("dependencies", "devDependencies", "optionalDependencies"):
        entry = (importer.get(section) or {}).get(name)
        if isinstance(entry, dict):
            entry = entry.get("version")
        if isinstance(entry, str):
            return re.split(r"[(_]", entry, maxsplit=1)[0]  # drop peer suffixes: 1.0.0(react@18)
    return ""


def read_yaml_subset(text: str, wanted: Iterable[str]) -> dict[str, Any]:
    """Block mappings of the top-level keys in `wanted` (PyYAML is not a Vibe dependency).

    Enough for pnpm-lock.yaml: nested `key: value` maps with quoted or plain keys and scalars;
    sequences, flow collections and multi-line scalars are skipped or kept as raw text.
    """
    wanted, root = set(wanted), {}
    stack: list[tuple[int, dict[str, Any]]] = [(-1, root)]
    keep = False
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", "- ", "---")):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        pair = _yaml_pair(stripped)
        if indent == 0:
            keep = pair is not None and pair[0] in wanted
        if not keep or pair is None:
            continue
        while stack[-1][0] >= indent:
            stack.pop()
        key, value = pair
        if value == "":
            stack[-1][1][key] = child = {}
            stack.append((indent, child))
        else:
            stack[-1][1][key] = value
    return root


def _yaml_pair(line: str) -> tuple[str, str] | None:
    if line[0] in "'\"":
        end = line.find(line[0], 1)
        if end < 0 or not line[end + 1 :].startswith(":"):
            return None
        return line[1:end], _yaml_scalar(line[end + 2 :])
    key, sep, value = line.partition(": ")
    if not sep:
        return (line[:-1], "") if line.endswith(":") else None
    return key, _yaml_scalar(value)


def _yaml_scalar(value: str) -> str:
    value = re.sub(r"\s+#.*$", "", value.strip())
    return value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"" else value


# -- discovery and nodes ---------------------------------------------------------------------------
def find_manifests(root: Path) -> Iterator[Path]:
    """Manifest files under `root`, skipping VCS, virtualenv and node_modules directories."""
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if _walkable(Path(directory) / d))
        for name in sorted(files):
            if is_manifest(Path(directory).name, name):
                yield Path(directory) / name


def is_manifest(directory: str, name: str) -> bool:
    """Whether a file `name` inside a directory called `directory` is a manifest we read."""
    in_req_dir = directory == "requirements" and name.endswith(".txt")
    return name in ("pyproject.toml", "package.json") or bool(_REQ_FILE.match(name)) or in_req_dir


def _walkable(path: Path) -> bool:
    name = path.name
    ignored = name.startswith(".") or name in DEFAULT_IGNORED_DIRS
    return not ignored and not (path / "pyvenv.cfg").exists()


def scan_manifests(root: str | Path) -> list[Declared]:
    """Every declared package under `root`, with locked versions from the nearest lockfile."""
    root = Path(root).resolve()
    seen: set[tuple[str, str, str]] = set()
    found: list[Declared] = []
    for path in find_manifests(root):
        for item in _parse_manifest(path, root):
            key = (item.ecosystem, item.name, item.manifest + item.group)
            if key not in seen:
                seen.add(key)
                found.append(item)
    for item in found:
        item.version = _locked(root, item) or item.version
    return found


def _parse_manifest(path: Path, root: Path) -> list[Declared]:
    try:
        if path.name == "pyproject.toml":
            return parse_pyproject(path, root)
        if path.name == "package.json":
            return parse_package_json(path, root)
        return parse_requirements(path, root)
    except (OSError, ValueError, AttributeError, TypeError):
        return []  # a broken manifest must not stop the scan; it simply declares nothing


def _locked(root: Path, item: Declared) -> str:
    manifest_dir = (root / item.manifest).parent
    names = PYPI_LOCKS if item.ecosystem == "pypi" else NPM_LOCKS
    for directory in (manifest_dir, *manifest_dir.parents):
        for name in names:
            lock = directory / name
            if lock.is_file():
                return _lock_version(lock, item, manifest_dir.relative_to(directory).as_posix())
        if directory == root:
            break
    return ""


def _lock_version(lock: Path, item: Declared, subdir: str) -> str:
    try:
        if item.ecosystem == "pypi":
            return _cached_python_lock(lock).get(item.name, "")
        return npm_lock_version(lock, item.name, item.constraint, subdir)
    except (OSError, ValueError, AttributeError):
        return ""


def _cached_python_lock(lock: Path) -> dict[str, str]:
    key = (str(lock), lock.stat().st_mtime)
    if key not in _LOCK_CACHE:
        _LOCK_CACHE[key] = read_python_lock(lock)
    return _LOCK_CACHE[key]


def package_nodes(project: str, declared: Iterable[Declared]) -> list[Node]:
    """One `external_package` node per package name, merging every file that declares it."""
    groups: dict[str, list[Declared]] = {}
    for item in declared:
        groups.setdefault(external_package_id(project, item.name), []).append(item)
    return [_node(node_id, items) for node_id, items in groups.items()]


def _node(node_id: str, items: list[Declared]) -> Node:
    main = next((d for d in items if not d.dev), items[0])
    attrs = {
        "ecosystem": "/".join(sorted({d.ecosystem for d in items})),
        "constraint": main.constraint,
        "version": main.version or next((d.version for d in items if d.version), ""),
        "manifests": sorted({d.manifest for d in items}),
        "dev": all(d.dev for d in items),
        "stdlib": False,
        "declarations": [_declaration(d) for d in items],
    }
    language = "python" if main.ecosystem == "pypi" else "javascript"
    return Node(node_id, "external_package", main.name, main.name, language, attrs=attrs)


def _declaration(item: Declared) -> dict[str, Any]:
    keys = ("manifest", "constraint", "version", "dev", "group", "markers")
    return {k: getattr(item, k) for k in keys if getattr(item, k) not in ("", None)}


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return PurePosixPath(path).as_posix()
