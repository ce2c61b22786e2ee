"""`aqkg load`: RDF dumps (N-Triples, N-Quads, Turtle, TriG, each possibly gzipped) into the
store, streaming, all or nothing per call.

Embedded store: pyoxigraph's bulk loader (what `oxigraph load` runs) writes into a checkpoint
of the store, a copy made of hard links in an instant; the checkpoint is renamed into place
only when every file has loaded. A bad line, Ctrl-C or a killed process leaves the store as it
was (a leftover checkpoint is removed by the next run). SPARQL server: the triples go to
staging graphs, added to their targets in one update (`EndpointStore.add_quads_atomically`).

The input is read through a guard that bounds what pyoxigraph cannot: triple terms nested
deeper than aqkg.intake.rdf_guards.MAX_NESTING (which would overflow its stack), counted as
the bytes stream past, so memory stays one read buffer whatever the file size.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from aqkg.intake.rdf_guards import MAX_NESTING
from aqkg.paths import GRAPH_BASE
from aqkg.progress import bar
from aqkg.store.embedded import swap_in
from aqkg.store.endpoint import EndpointStore

FORMATS = {
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
}
QUAD_FORMATS = (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
# Triples loaded without --graph go to a graph named after their file: the store's default
# graph is the union of the named graphs, so triples in the real default graph would not show.
LOADED_GRAPH_BASE = GRAPH_BASE + "loaded/"
READ_BYTES = 1 << 20


class LoadError(Exception):
    """The load was refused or failed, and nothing changed: one line naming the file."""


@dataclass(frozen=True)
class Source:
    path: Path
    rdf_format: ox.RdfFormat
    gzipped: bool
    graph: str | None  # where its triples go; None for quads, which carry their graphs


@dataclass(frozen=True)
class Loaded:
    files: int
    bytes: int  # the files' sizes on disk
    graphs: tuple[str, ...]
    # triples added, where it costs nothing to know (a SPARQL server's load counts them); not
    # counted on the embedded store, where it would take a scan of the whole store
    triples: int | None = None


def sources(paths: Sequence[Path], graph: str | None) -> list[Source]:
    """What each file is and where its triples go, or LoadError before anything is read."""
    found = []
    for path in paths:
        if not path.is_file():
            raise LoadError(f"{path}: no such file")
        name = path.name.lower()
        gzipped = name.endswith(".gz")
        suffix = Path(name.removesuffix(".gz")).suffix
        if suffix not in FORMATS:
            known = ", ".join(f"{s} (or {s}.gz)" for s in FORMATS)
            raise LoadError(f"{path}: unknown format {suffix or '(no suffix)'}: give {known}")
        rdf_format = FORMATS[suffix]
        target = graph if graph else None
        if target is None and rdf_format not in QUAD_FORMATS:
            target = LOADED_GRAPH_BASE + Path(name.removesuffix(".gz")).stem
        if target is not None:
            try:
                ox.NamedNode(target)
            except ValueError:
                raise LoadError(f"--graph {target!r}: give an absolute IRI") from None
        found.append(Source(path, rdf_format, gzipped, target))
    return found


def load_into_folder(folder: Path, paths: Sequence[Path], graph: str | None = None) -> Loaded:
    """Load every file into the embedded store at `folder` (made if missing), all or nothing."""
    todo = sources(paths, graph)
    staging = folder.with_name(folder.name + ".load")
    if staging.exists():
        shutil.rmtree(staging)  # a run killed mid-way left it; the store itself is intact
    if folder.exists():
        ox.Store.read_only(str(folder)).backup(str(staging))
    try:
        store = ox.Store(str(staging))
        for source in todo:
            ranges = _parallel_ranges(source)
            if len(ranges) > 1:
                _load_in_parallel(store, source, ranges)
                continue
            with _guarded(source) as stream:
                _bulk_load(store, source, stream)
        store.flush()
        size = sum(source.path.stat().st_size for source in todo)
        loaded = Loaded(len(todo), size, _graphs(todo, store))
        del store  # releases the RocksDB lock before the rename
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_in(staging, folder)
    return loaded


def _bulk_load(store: ox.Store, source: Source, stream: IO[bytes]) -> None:
    try:
        store.bulk_load(
            input=stream,
            format=source.rdf_format,
            to_graph=ox.NamedNode(source.graph) if source.graph else None,
        )
    except (SyntaxError, OSError) as error:
        raise _failure(source, error) from None


# -- parallel loading of line-based files ------------------------------------------------------
#
# pyoxigraph parses a bulk load on one core, and releases the GIL while it does; `oxigraph
# load` splits N-Triples and N-Quads at line ends and parses the parts on every core. So do we,
# on the same store: each part is its own bulk load. pyoxigraph gives each load's blank nodes
# fresh identities, so a file with a blank node label is never split (a `_:` anywhere, even in
# a literal, keeps it whole: cautious, like the nesting guard).

PARALLEL_FORMATS = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)
PARALLEL_MIN_BYTES = 8 << 20
PARALLEL_PARTS = max(1, min(4, os.cpu_count() or 1))


def _parallel_ranges(source: Source) -> list[tuple[int, int]]:
    """Byte ranges, split at line ends, to load at once; one range when it is not safe or
    not worth it. Reads the file once: the nesting guard and the blank node scan."""
    size = source.path.stat().st_size
    too_small = size < PARALLEL_MIN_BYTES or PARALLEL_PARTS == 1
    if too_small or source.gzipped or source.rdf_format not in PARALLEL_FORMATS:
        return [(0, size)]
    blank_nodes = False
    with _guarded(source, progress=False) as stream:
        while chunk := stream.read(READ_BYTES):
            blank_nodes = blank_nodes or b"_:" in chunk  # a split mark is rare: see below
    if blank_nodes or _split_mark(source.path):
        return [(0, size)]
    cuts = [0]
    with source.path.open("rb") as raw:
        for part in range(1, PARALLEL_PARTS):
            raw.seek(max(cuts[-1], size * part // PARALLEL_PARTS))
            raw.readline()  # to the next line end
            cuts.append(raw.tell())
    cuts.append(size)
    return [(a, b) for a, b in pairwise(cuts) if b > a]


def _split_mark(path: Path) -> bool:
    """`_:` cut between two reads of the scan: looked for across every read boundary."""
    with path.open("rb") as raw:
        position = READ_BYTES
        while True:
            raw.seek(position - 1)
            pair = raw.read(2)
            if len(pair) < 2:
                return False
            if pair == b"_:":
                return True
            position += READ_BYTES


def _load_in_parallel(store: ox.Store, source: Source, ranges: list[tuple[int, int]]) -> None:
    failures: list[BaseException] = []
    with bar(source.path.stat().st_size, source.path.name, "B") as progress:

        def load_part(start: int, end: int) -> None:
            try:
                with source.path.open("rb") as raw:
                    part = _Range(raw, start, end, progress)
                    _bulk_load(store, source, io.BufferedReader(part, READ_BYTES))
            except BaseException as error:  # reported from the main thread
                failures.append(error)

        threads = [threading.Thread(target=load_part, args=span) for span in ranges]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]


class _Range(io.RawIOBase):
    """Bytes start..end of an open file (a part of a split load), moving a progress bar."""

    def __init__(self, raw: IO[bytes], start: int, end: int, progress: object) -> None:
        raw.seek(start)
        self._raw = raw
        self._left = end - start
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(min(len(buffer), self._left, READ_BYTES))
        self._left -= len(data)
        buffer[: len(data)] = data
        self._progress.update(len(data))  # type: ignore[attr-defined]
        return len(data)


def load_into_endpoint(endpoint: EndpointStore, paths: Sequence[Path], graph: str | None) -> Loaded:
    """Add every file's triples to the SPARQL server, all in one update at the end."""
    todo = sources(paths, graph)

    def quads() -> Iterator[ox.Quad]:
        for source in todo:
            with _guarded(source) as stream:
                try:
                    for quad in ox.parse(stream, format=source.rdf_format):
                        yield _into(quad, source.graph)
                except (SyntaxError, OSError) as error:
                    raise _failure(source, error) from None

    endpoint.drop_staging_graphs()
    sent = endpoint.add_quads_atomically(quads())
    size = sum(source.path.stat().st_size for source in todo)
    return Loaded(len(todo), size, tuple(sorted(sent)), sum(sent.values()))


def _into(parsed: ox.Quad | ox.Triple, graph: str | None) -> ox.Quad:
    """A parsed statement as a quad of its own graph, or of `graph` when it has none."""
    if isinstance(parsed, ox.Quad) and not isinstance(parsed.graph_name, ox.DefaultGraph):
        return parsed
    if graph is None:
        raise LoadError("a statement outside any graph: give --graph")
    return ox.Quad(parsed.subject, parsed.predicate, parsed.object, ox.NamedNode(graph))


def _graphs(todo: Sequence[Source], store: ox.Store) -> tuple[str, ...]:
    named = {s.graph for s in todo if s.graph}
    if any(s.graph is None for s in todo):
        named |= {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
    return tuple(sorted(named))


class _Guard(io.RawIOBase):
    """A binary stream that counts `<<` / `>>` nesting as bytes pass and moves a progress bar.

    Lexical and cautious, like aqkg.intake.rdf_guards: a `<<` inside a string counts too."""

    def __init__(self, raw: IO[bytes], source: Source, progress: object) -> None:
        self._raw = raw
        self._source = source
        self._progress = progress
        self._depth = 0
        self._last = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(min(len(buffer), READ_BYTES))
        self._scan(data)
        buffer[: len(data)] = data
        self._progress.update(len(data))  # type: ignore[attr-defined]
        return len(data)

    def _scan(self, data: bytes) -> None:
        text = self._last + data
        index = 0
        while True:
            found = _next_mark(text, index)
            if found < 0:
                break
            self._depth += 1 if text[found] == 0x3C else -1
            self._depth = max(self._depth, 0)
            if self._depth > MAX_NESTING:
                raise LoadError(
                    f"{self._source.path}: triple terms nested over {MAX_NESTING} deep "
                    "(pyoxigraph would overflow its stack); nothing loaded"
                )
            index = found + 2
        # a mark may be split between two reads: keep the last byte unless it closed a mark
        self._last = text[-1:] if index < len(text) else b""


def _next_mark(text: bytes, start: int) -> int:
    opening, closing = text.find(b"<<", start), text.find(b">>", start)
    candidates = [i for i in (opening, closing) if i >= 0]
    return min(candidates) if candidates else -1


@contextmanager
def _guarded(source: Source, *, progress: bool = True) -> Iterator[IO[bytes]]:
    """The file's bytes (decompressed), through the nesting guard and a progress bar (titled
    as a check when the bytes are only scanned)."""
    path = source.path
    opened = gzip.open(path, "rb") if source.gzipped else path.open("rb")  # noqa: SIM115
    # a gzipped file's bar counts decompressed bytes: its length is not known ahead
    total = None if source.gzipped else path.stat().st_size
    title = path.name if progress else f"{path.name} (checking)"
    with opened as raw, bar(total, title, "B") as moving:
        yield io.BufferedReader(_Guard(cast(IO[bytes], raw), source, moving), READ_BYTES)


def _failure(source: Source, error: BaseException) -> LoadError:
    """A parse or read error as one line naming the file (pyoxigraph gives line and column)."""
    cause = error.__context__ if isinstance(error.__context__, LoadError) else None
    if cause is not None:
        return cause
    return LoadError(f"{source.path}: {_one_line(error)}; nothing loaded")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
