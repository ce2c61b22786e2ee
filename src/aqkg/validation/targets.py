"""Where a shape's focus nodes come from, as a SPARQL group pattern binding one variable.

A shape validated for its own targets (SHACL §2.1.3: sh:targetClass, sh:targetNode,
sh:targetSubjectsOf, sh:targetObjectsOf, and the implicit class target of a shape that is also
an rdfs:Class) has `Targets`; a shape validated on the value nodes of another (sh:property,
sh:node, sh:and... and qualified value shapes) has `ValuesOf` that other shape's focus and path.
Both are plain data, so checks that share a focus share its query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import count

__all__ = ["Focus", "Targets", "ValuesOf", "focus_pattern"]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class Targets:
    classes: frozenset[str] = frozenset()  # IRIs; instances of their subclasses count too
    nodes: frozenset[str] = frozenset()  # SPARQL terms (as stored, see shacl_values.stored)
    subjects_of: frozenset[str] = frozenset()  # predicate IRIs
    objects_of: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.classes or self.nodes or self.subjects_of or self.objects_of)


@dataclass(frozen=True)
class ValuesOf:
    """The value nodes of `parent`'s focus nodes along `path` (SPARQL; None: the nodes)."""

    parent: Focus
    path: str | None


Focus = Targets | ValuesOf


def focus_pattern(focus: Focus, var: str, subclasses: Callable[[frozenset[str]], list[str]]) -> str:
    """A group pattern binding ?`var` to each focus node once; `subclasses` gives the classes
    whose instances are instances of the given ones (the store knows them, not the shapes)."""
    return _pattern(focus, var, subclasses, count())


def _pattern(
    focus: Focus, var: str, subclasses: Callable[[frozenset[str]], list[str]], fresh: count[int]
) -> str:
    if isinstance(focus, ValuesOf):
        if focus.path is None:
            return _pattern(focus.parent, var, subclasses, fresh)
        parent = f"parent{next(fresh)}"
        inner = _pattern(focus.parent, parent, subclasses, fresh)
        return f"{{ SELECT DISTINCT ?{var} WHERE {{ {inner} ?{parent} {focus.path} ?{var} }} }}"
    branches = []
    if focus.classes:
        types = " ".join(f"<{c}>" for c in subclasses(focus.classes))
        branches.append(f"VALUES ?type{var} {{ {types} }} ?{var} <{RDF_TYPE}> ?type{var} .")
    if focus.nodes:
        branches.append(f"VALUES ?{var} {{ {' '.join(sorted(focus.nodes))} }}")
    for predicate in sorted(focus.subjects_of):
        branches.append(f"?{var} <{predicate}> ?any{var} .")
    for predicate in sorted(focus.objects_of):
        branches.append(f"?any{var} <{predicate}> ?{var} .")
    union = " UNION ".join(f"{{ {b} }}" for b in branches) or "FILTER (false)"
    return f"{{ SELECT DISTINCT ?{var} WHERE {{ {union} }} }}"
