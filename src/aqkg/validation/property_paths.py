"""SHACL property paths (SHACL §2.3.1) as SPARQL 1.1 property paths.

Both give the set of nodes reachable from the focus node (the engine's queries are DISTINCT),
so each SHACL path construct maps onto its SPARQL counterpart; anything else in a path's place
is refused, never read as a predicate.
"""

from __future__ import annotations

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

__all__ = ["PathError", "sparql_path"]

_UNARY = (
    (SH.inversePath, "^{}"),
    (SH.zeroOrMorePath, "{}*"),
    (SH.oneOrMorePath, "{}+"),
    (SH.zeroOrOnePath, "{}?"),
)
_PATH_PREDICATES = {SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath}


class PathError(ValueError):
    """A node in a path's place that is not a well-formed SHACL property path."""


def sparql_path(shapes: Graph, path: Node, _seen: frozenset[Node] = frozenset()) -> str:
    """`path` as a SPARQL property path, or PathError naming what is wrong with it."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    if not isinstance(path, BNode) or path in _seen:
        raise PathError(f"sh:path {path}: not a SHACL property path")
    seen = _seen | {path}
    if (path, RDF.first, None) in shapes:
        members = list(Collection(shapes, path))
        if len(members) < 2:  # a sequence path has two members at least (SHACL §2.3.1.1)
            raise PathError("sh:path: a sequence path with fewer than two members")
        return "(" + "/".join(sparql_path(shapes, m, seen) for m in members) + ")"
    predicates = set(shapes.predicates(path, None))
    for predicate, template in _UNARY:
        if predicate in predicates:
            if len(predicates) != 1 or len(list(shapes.objects(path, predicate))) != 1:
                raise PathError(f"sh:path: {predicate} with other path terms")
            inner = shapes.value(path, predicate)
            assert inner is not None
            return "(" + template.format(sparql_path(shapes, inner, seen)) + ")"
    if predicates == {SH.alternativePath}:
        options = shapes.value(path, SH.alternativePath)
        assert options is not None
        members = list(Collection(shapes, options)) if isinstance(options, BNode) else []
        if len(members) < 2:
            raise PathError("sh:path: sh:alternativePath needs a list of two paths at least")
        return "(" + "|".join(sparql_path(shapes, m, seen) for m in members) + ")"
    raise PathError("sh:path: a blank node that is not a SHACL property path")
