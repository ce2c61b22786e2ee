"""A query job for a worker and its outcome: the result body ready to send, or a failure
with its HTTP status and a one-line message."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from aqkg.sparql.negotiation import FormatChoice
from aqkg.store.backend import Store
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
    headers: Mapping[str, str] = field(default_factory=dict)  # more response headers


@dataclass(frozen=True)
class Failure:
    status: int
    message: str


Outcome = Success | Failure


class ResultTooLarge(Exception):
    pass


@dataclass(frozen=True)
class Task:
    """Work other than a single query, run in a worker under the same time limit: a top-level
    function (sent to the worker by name) called with the worker's store and the arguments.
    The layers above hand their own work to the pool this way (a recognition, say) without
    the pool knowing of them."""

    function: Callable[[Store, Mapping[str, str]], Outcome]
    arguments: Mapping[str, str]


def run_task(store: Store, task: Task) -> Outcome:
    """A task's outcome; an exception it lets through is a 500, never a dead worker."""
    try:
        return task.function(store, task.arguments)
    except Exception as error:
        message = " ".join(str(error).split()) or type(error).__name__
        return Failure(500, f"{type(error).__name__}: {message}")
