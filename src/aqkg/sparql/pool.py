"""The query worker pool: processes that each hold the store open read-only and take one
query at a time.

Why worker processes: pyoxigraph cannot cancel a running query and a thread cannot be killed,
so every query runs in a small pool of processes. A query that passes the time limit has its
process killed and replaced; the others keep going."""

from __future__ import annotations

import json
import multiprocessing
import queue
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import pyoxigraph as ox

from aqkg.sparql.endpoint_evaluation import EXTENSION_MESSAGE, mentions_extension
from aqkg.sparql.evaluation import evaluate
from aqkg.sparql.jobs import Failure, Job, Outcome, Task, run_task
from aqkg.sparql.negotiation import FormatChoice
from aqkg.store.embedded import EmbeddedStore, StoreError
from aqkg.syntax.prefixes import UndeclaredPrefixError, with_prefixes

WORKER_BOOT_SECONDS = 60.0
READY = "ready"


class QueryPool:
    """Worker processes, each with the store open read-only, taking one query at a time."""

    def __init__(
        self,
        store_path: Path,
        *,
        size: int,
        timeout_seconds: float,
        max_rows: int,
        endpoint: str | None = None,
    ) -> None:
        self._store_path = store_path
        self._endpoint = endpoint  # when given, the workers read from it, not store_path
        self._timeout = timeout_seconds
        self._max_rows = max_rows
        # spawn: the server is multi-threaded, and forking a threaded process is unsafe.
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._live: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        try:
            for worker in [self._launch() for _ in range(size)]:
                self._idle.put(self._await_ready(worker))
        except StoreError:
            self.close()
            raise

    def run(self, job: Job | Task) -> Outcome:
        if isinstance(job, Job):  # the project's prefixes are predeclared on every query
            if self._endpoint and mentions_extension(job.query):
                # a Virtuoso extension (bif:, sql:) reads as an undeclared prefix: refused as
                # what it is, as the endpoint evaluator would
                return Failure(403, EXTENSION_MESSAGE)
            try:
                job = replace(job, query=with_prefixes(job.query))
            except UndeclaredPrefixError as error:
                return Failure(400, str(error))
        # A free worker appears within one time limit (a stuck one is killed by then),
        # plus the time to start its replacement.
        try:
            worker = self._idle.get(timeout=self._timeout + WORKER_BOOT_SECONDS)
        except queue.Empty:
            return Failure(503, "every query worker is busy; try again in a moment")
        try:
            worker.connection.send(job)
            if worker.connection.poll(self._timeout):
                outcome: Outcome = worker.connection.recv()
                self._idle.put(worker)
                return outcome
            message = (
                f"query stopped after {self._timeout:g} s (the time limit); "
                "add LIMIT or narrow the pattern"
            )
            status = 503
        except (EOFError, OSError):
            message, status = "the query worker stopped unexpectedly", 500
        self._replace(worker)
        return Failure(status, message)

    def idle_workers(self) -> int:
        return self._idle.qsize()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._live)
        for worker in workers:
            self._stop(worker)

    def _launch(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main,
            args=(child, str(self._store_path), self._max_rows, self._endpoint),
            name="aqkg-query-worker",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._live.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> _Worker:
        try:
            if worker.connection.poll(WORKER_BOOT_SECONDS):
                greeting = worker.connection.recv()
                if greeting == READY:
                    return worker
            else:
                greeting = f"a query worker did not start within {WORKER_BOOT_SECONDS:g} s"
        except (EOFError, OSError):
            greeting = "a query worker stopped while starting"
        self._stop(worker)
        raise StoreError(str(greeting))

    def _replace(self, worker: _Worker) -> None:
        self._stop(worker)
        threading.Thread(target=self._add_worker, name="aqkg-worker-start", daemon=True).start()

    def _add_worker(self) -> None:
        try:
            worker = self._await_ready(self._launch())
        except StoreError as error:
            if not self._closed:
                print(f"aqkg: cannot replace a query worker: {error}", file=sys.stderr)
            return
        with self._lock:
            if not self._closed:
                self._idle.put(worker)
                return
        self._stop(worker)

    def _stop(self, worker: _Worker) -> None:
        """Kill a worker; safe to call twice (shutdown may race a replacement starting)."""
        with self._lock:
            if worker not in self._live:
                return
            self._live.discard(worker)
        worker.process.kill()  # read-only store: killing mid-query cannot damage it
        worker.process.join(timeout=5)
        worker.connection.close()


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    connection: Connection


def _worker_main(
    connection: Connection, store_path: str, max_rows: int, endpoint: str | None = None
) -> None:
    """A worker process: open the store read-only (or the endpoint, without credentials),
    then evaluate jobs until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    try:
        answer = _evaluator(Path(store_path), endpoint)
    except StoreError as error:
        connection.send(str(error))
        return
    connection.send(READY)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(answer(job, max_rows))


def _evaluator(store_path: Path, endpoint: str | None) -> Callable[[Job | Task, int], Outcome]:
    if endpoint:
        from aqkg.sparql.endpoint_evaluation import evaluate_on_endpoint, open_endpoint

        remote = open_endpoint(endpoint)

        def on_endpoint(work: Job | Task, max_rows: int) -> Outcome:
            if isinstance(work, Task):
                return run_task(remote, work)
            return evaluate_on_endpoint(remote, work, max_rows)

        return on_endpoint
    store = EmbeddedStore.open(store_path, read_only=True)

    def embedded(work: Job | Task, max_rows: int) -> Outcome:
        return run_task(store, work) if isinstance(work, Task) else evaluate(store, work, max_rows)

    return embedded


def select_rows(
    pool: QueryPool, sparql: str, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None
) -> list[list[str]]:
    """A SELECT's rows as plain strings, run by a worker of `pool` (for the checks of
    aqkg.sparql.param_checks, in processes that never open the store themselves); StoreError
    with the pool's one-line message when it fails (time limit, every worker busy)."""
    outcome = pool.run(Job(sparql, FormatChoice("json", None, ""), dict(bindings or {})))
    if isinstance(outcome, Failure):
        raise StoreError(outcome.message)
    results = json.loads(outcome.body)
    names = results["head"]["vars"]
    return [
        [binding.get(name, {}).get("value", "") for name in names]
        for binding in results["results"]["bindings"]
    ]
