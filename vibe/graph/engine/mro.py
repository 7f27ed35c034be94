"""Method resolution order over the classes we know (C3, like Python; depth-first fallback)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vibe.graph.engine.resolve import Resolver

ClassRef = tuple[str, int]


def base_classes(r: Resolver, path: str, scope: int) -> list[ClassRef]:
    """Internal classes named in a class's bases, evaluated where the class is defined."""
    table = r.scope(path, scope)
    found: list[ClassRef] = []
    for base in table.bases:
        result = r.eval(base, path, table.parent)
        if result is None or result[0][0] != "def":
            continue
        value = result[0]
        if r.scope(value[1], value[2]).kind == "class":
            found.append((value[1], value[2]))
    return found


def foreign_bases(r: Resolver, path: str, scope: int) -> tuple[list[tuple], bool]:
    """External base values of a class and whether any base could not be resolved at all."""
    table = r.scope(path, scope)
    external: list[tuple] = []
    unknown = False
    for base in table.bases:
        result = r.eval(base, path, table.parent)
        if result is None:
            unknown = True
        elif result[0][0] == "ext":
            external.append(result[0])
    return external, unknown


def linearize(r: Resolver, path: str, scope: int) -> list[ClassRef]:
    """The class followed by its internal ancestors in lookup order."""
    bases = base_classes(r, path, scope)
    sequences = [list(r.mro(*base)) for base in bases] + [list(bases)]
    merged = _c3_merge([s for s in sequences if s])
    if merged is None:
        merged = _depth_first(sequences)
    return [(path, scope), *merged]


def _c3_merge(sequences: list[list[ClassRef]]) -> list[ClassRef] | None:
    result: list[ClassRef] = []
    while sequences:
        head = next(
            (s[0] for s in sequences if not any(s[0] in other[1:] for other in sequences)), None
        )
        if head is None:
            return None
        result.append(head)
        sequences = [[c for c in s if c != head] for s in sequences]
        sequences = [s for s in sequences if s]
    return result


def _depth_first(sequences: list[list[ClassRef]]) -> list[ClassRef]:
    seen: list[ClassRef] = []
    for sequence in sequences:
        seen.extend(c for c in sequence if c not in seen)
    return seen
