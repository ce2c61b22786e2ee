"""A query job for a worker and its outcome: the result body ready to send, or a failure
with its HTTP status and a one-line message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from aqkg.sparql.negotiation import FormatChoice
from aqkg.syntax.dataset import DEFAULT_BASE_IRI, Dataset


@dataclass(frozen=True)
class Job:
    query: str
    formats: FormatChoice
    bindings: Mapping[str, ox.NamedNode | ox.Literal] = field(default_factory=dict)
    dataset: Dataset | None = None  # the protocol's; None: the query's own, else the union
    base_iri: str = DEFAULT_BASE_IRI


@dataclass(frozen=True)
class Success:
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Failure:
    status: int
    message: str


Outcome = Success | Failure


class ResultTooLarge(Exception):
    pass
