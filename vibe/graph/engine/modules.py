"""Module-level resolution: imports (absolute, relative, JS specifiers) and module members."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vibe.graph.engine.languages import JS_FAMILY

if TYPE_CHECKING:
    from vibe.graph.engine.resolve import Resolver, Result

EXTERNAL_CONFIDENCE = 0.9
IMPORT_CONFIDENCE = 0.95


def python_import(r: Resolver, path: str, module: str, level: int) -> Result | None:
    """The module an `import`/`from ... import` names; unknown internal modules give None."""
    if level == 0:
        found = r.table.python_module(module, path)
        if found is not None:
            return ("mod", found), 1.0, "import"
        top = module.split(".", 1)[0]
        if top != module and r.table.python_module(top, path) is not None:
            return None
        return ("ext", module, top), EXTERNAL_CONFIDENCE, "import"
    base = r.table.relative_base(path, level)
    if base is None:
        return None
    name = ".".join(part for part in (base, module) if part)
    found = r.table.lookup(f"py:{name}")
    return (("mod", found), 1.0, "import") if found is not None else None


def python_from(r: Resolver, path: str, module: str, level: int, name: str) -> Result | None:
    """`from module import name`: a member of the module, else its submodule `name`."""
    source = python_import(r, path, module, level)
    if source is None:
        return None
    value, confidence, _ = source
    if value[0] == "ext":
        return ("ext", f"{value[1]}.{name}", value[2]), confidence, "import"
    found = r.module_member(value[1], name)
    if found is None:
        return None
    return found[0], min(found[1], IMPORT_CONFIDENCE), "import"


def module_member(r: Resolver, path: str, attr: str) -> Result | None:
    """A name a module exposes: its top-level bindings (Python) or exports (JS/TS)."""
    result = r.file(path)
    if result.language == "python":
        return _python_member(r, path, attr)
    if result.language in JS_FAMILY:
        return _js_member(r, path, attr)
    return None


def _python_member(r: Resolver, path: str, attr: str) -> Result | None:
    result = r.file(path)
    r.table.deps.update((f"top:{path}:{attr}", f"star:{path}"))
    top = result.scopes[0]
    if attr in top.bindings:
        return r.bindings(top.bindings[attr], path, 0)
    submodule = r.table.lookup(f"py:{result.module}.{attr}" if result.module else f"py:{attr}")
    if submodule is not None:
        return ("mod", submodule), 1.0, "import"
    for module, level in top.star_imports:
        source = python_import(r, path, module, level)
        if source is not None and source[0][0] == "mod":
            found = r.module_member(source[0][1], attr)
            if found is not None:
                return found
    return None


def _js_member(r: Resolver, path: str, attr: str) -> Result | None:
    result = r.file(path)
    r.table.deps.update((f"exp:{path}:{attr}", f"star:{path}"))
    if attr in result.exports:
        return r.binding(result.exports[attr], path, 0)
    if attr == "default":
        return None
    for spec in result.star_exports:
        target = r.table.js_module(path, spec) if spec.startswith(".") else None
        if target is not None:
            found = r.module_member(target, attr)
            if found is not None:
                return found
    return None


def js_import(r: Resolver, path: str, spec: str, name: str) -> Result | None:
    """What `import {name} from spec` (or default/namespace import) binds."""
    if spec.startswith((".", "/")):
        target = r.table.js_module(path, spec)
        if target is None:
            return None
        if name == "*":
            return ("mod", target), 1.0, "import"
        found = r.module_member(target, name)
        return (found[0], min(found[1], IMPORT_CONFIDENCE), "import") if found else None
    package = js_package(spec)
    symbol = spec if name in ("*", "default") else f"{spec}.{name}"
    return ("ext", symbol, package), EXTERNAL_CONFIDENCE, "import"


def js_package(spec: str) -> str:
    """npm package of a bare specifier: `@scope/pkg/sub` → `@scope/pkg`, `node:fs` → `fs`."""
    spec = spec.removeprefix("node:")
    parts = spec.split("/")
    return "/".join(parts[:2]) if spec.startswith("@") else parts[0]
