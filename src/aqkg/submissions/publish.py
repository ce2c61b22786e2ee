"""`aqkg publish`, `history`, `diff`, `rollback`: a country's data as a versioned named graph.

The secretariat's route. A submission (a filled template, or an RDF file) is validated and,
only when it has no violation, becomes the current content of the named graph
`https://w3id.org/aqkg/graph/published/<xx>`. The curators' route, `aqkg build` from
data/countries/<xx>/*.ttl, is separate: both kinds of graph coexist in the store (build carries
published graphs over, since it does not own them) and queries see their union, so a country
should be maintained by one route at a time. The submission is validated against the store's
ontology and data graphs minus those holding the records it describes (as `aqkg validate`
does), so a revised record is not a duplicate of its file version.

History is kept outside the store, so union queries never see old versions:
`<store parent>/history/<xx>/v<N>.nq` (the graph's content) and `manifest.json` (per version:
number, date, note, counts, SHA-256 of the content, records added/removed/modified). History
is append-only: a rollback publishes an old version's content as a new version.

Atomicity. Each file is written to a temporary file, fsynced and moved into place with
os.replace. The graph is replaced in one pyoxigraph transaction (one SPARQL UPDATE
`DROP SILENT GRAPH <g>; INSERT DATA { GRAPH <g> {...} }`), so the store holds the old or the
new version, never a mix. The order is: version file, `pending.json` (intent), store
transaction, manifest, remove `pending.json`. A run killed at any point leaves a pending
intent that `recover` (run first by every command) resolves by comparing the graph's hash:
equal to the pending version -> the manifest is completed; equal to the manifest's current
version -> the intent and its file are dropped.

The same history, commit and recovery run against a SPARQL server
(aqkg.submissions.publish_endpoint):
they reach the store through a PublishTarget, which says how the graph is replaced and how its
content is hashed as the store holds it.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import os
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import pyoxigraph as ox

from aqkg.intake.rdf_input import FORMATS_BY_SUFFIX, UnusableInputError, parse_triples
from aqkg.intake.templates import TemplateError, check_country
from aqkg.paths import GRAPH_BASE
from aqkg.store.embedded import EmbeddedStore
from aqkg.submissions.supersede import superseding_update

if TYPE_CHECKING:
    from aqkg.submissions.sheet_report import SheetReport
    from aqkg.validation.report import Report

T = TypeVar("T")
PUBLISHED_GRAPH_BASE = GRAPH_BASE + "published/"
MANIFEST = "manifest.json"
PENDING = "pending.json"
# Beside the store: who holds its write lock, and since when (for the one waiting).
WRITER = "writer.json"
# A publish waits this long for another command's write lock, then refuses.
LOCK_WAIT_SECONDS = 10.0
# A publish removing more than this share of a country's published records is refused unless
# allowed: a sheet left out, a filter on, a stale <dimension> would look like this.
MAX_REMOVED_SHARE = 0.2
Announce = Callable[[str], None]


class PublishError(Exception):
    """Publishing, or reading history, failed; the message is one line. When a submission is
    refused for violations, `report` holds the validation report."""

    def __init__(self, message: str, report: SheetReport | Report | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class Version:
    version: int
    date: str
    note: str
    file: str
    sha256: str
    triples: int
    records: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    # SPARQL server route only: SHA-256 of the content as the server gives it back (it rewrites
    # some literals), read from the staging graph before the swap; what recovery compares there.
    server_sha256: str | None = None
    # Pending intents of that route only: the staging graph holding the content until the swap.
    staging: str | None = None

    def summary(self) -> str:
        return (
            f"v{self.version}  {self.date}  {self.records} records, {self.triples} triples; "
            f"+{len(self.added)} -{len(self.removed)} ~{len(self.modified)}  {self.note}"
        )


@dataclass
class RecordChange:
    record: str
    added: list[str]
    removed: list[str]


@dataclass
class Diff:
    country: str
    old: int
    new: int
    added: list[str]
    removed: list[str]
    modified: list[RecordChange]

    def as_text(self) -> str:
        lines = [f"{self.country}: v{self.old} -> v{self.new}"]
        lines += [f"+ record {r}" for r in self.added]
        lines += [f"- record {r}" for r in self.removed]
        for change in self.modified:
            lines.append(f"~ record {change.record}")
            lines += [f"    - {t}" for t in change.removed]
            lines += [f"    + {t}" for t in change.added]
        return "\n".join(lines)


def published_graph(country: str) -> str:
    return PUBLISHED_GRAPH_BASE + checked_country(country).lower()


def history_root(store_path: Path) -> Path:
    """Where the embedded store's versions live: beside the store, outside it."""
    return store_path.parent / "history"


def history_dir(store_path: Path, country: str) -> Path:
    return country_history(history_root(store_path), country)


def country_history(root: Path, country: str) -> Path:
    return root / checked_country(country).lower()


class PublishTarget(Protocol):
    """The store a country's versions are published to, and the folder of its history."""

    @property
    def folder(self) -> Path: ...

    def current_hash(self, country: str) -> str:
        """The hash of the published graph's content as the store holds it now."""
        ...

    def recorded_hash(self, version: Version | None) -> str:
        """The hash current_hash gives while `version` (None: nothing yet) is published."""
        ...

    def check_current(self, country: str, last: Version | None) -> None:
        """Refuse a publish when the graph is not what the history says it should be."""
        ...

    def replace(
        self, graph: str, triples: list[ox.Triple], entry: Version, intend: Callable[[], None]
    ) -> None:
        """Make `triples` the graph's content in one transaction, calling `intend` (which
        records `entry` as pending) first, once entry.server_sha256 is known if needed."""
        ...

    def finish_swap(self, country: str, pending: Version) -> bool:
        """Complete an interrupted replacement when the store can (True), else False."""
        ...


@dataclass(frozen=True)
class EmbeddedTarget:
    """The embedded store: it holds exactly the canonical triples, so the version's own hash
    is the graph's."""

    store: ox.Store
    folder: Path

    def current_hash(self, country: str) -> str:
        return graph_hash(self.store, country)

    def recorded_hash(self, version: Version | None) -> str:
        return version.sha256 if version else content_hash([])

    def check_current(self, country: str, last: Version | None) -> None:
        """Nothing to check: a rebuilt store may lack the graph, and publishing restores it."""

    def replace(
        self, graph: str, triples: list[ox.Triple], entry: Version, intend: Callable[[], None]
    ) -> None:
        intend()
        body = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()
        self.store.update(
            f"DROP SILENT GRAPH <{graph}> ; INSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }} ;\n"
            + superseding_update(graph)
        )
        self.store.flush()

    def finish_swap(self, country: str, pending: Version) -> bool:
        """Never: the transaction died with the process."""
        return False


def checked_country(country: str) -> str:
    """The upper-case member state code, or a one-line PublishError."""
    try:
        return check_country(country)
    except TemplateError as error:
        raise PublishError(str(error)) from None


# -- public operations -----------------------------------------------------------------------


def publish(
    source: Path,
    country: str,
    store_path: Path,
    *,
    allow_removals: bool = False,
    announce: Announce | None = None,
) -> Version:
    """Validate `source` (template or RDF file) and, with no violation, make it the current
    version of the country's graph. What was read and what the new version removes are
    announced before the commit; removing over MAX_REMOVED_SHARE of the records is refused
    unless `allow_removals`. Raises PublishError (with .report when refused)."""
    country = checked_country(country)

    def action(store: ox.Store) -> Version:
        submission = validated(source, country, EmbeddedStore(store, store_path))
        (announce or _silent)(submission.read)
        target = EmbeddedTarget(store, history_dir(store_path, country))
        return commit(
            target,
            country,
            submission.triples,
            f"published {source.name}",
            removals=Removals(None if allow_removals else MAX_REMOVED_SHARE, announce),
        )

    return _using_store(store_path, action, f"a publish of {country}")


def _silent(line: str) -> None:
    """Announcements nobody asked for."""


def commit_version(store_path: Path, country: str, triples: list[ox.Triple], note: str) -> Version:
    """Make `triples` the current version without validating (for tests and tools that
    validated already)."""
    country = checked_country(country)
    return _using_store(
        store_path,
        lambda s: commit(_target(s, store_path, country), country, triples, note),
        f"a publish of {country}",
    )


def rollback(store_path: Path, country: str, to: int) -> Version:
    """Publish version `to`'s content again, as a new version."""
    country = checked_country(country)

    return _using_store(
        store_path,
        lambda store: rollback_target(_target(store, store_path, country), country, to),
        f"a rollback of {country}",
    )


def rollback_target(target: PublishTarget, country: str, to: int) -> Version:
    recover_target(target, country)
    triples = load_version_in(target.folder, country, to)
    return commit(target, country, triples, f"rollback to v{to}")


def history(store_path: Path, country: str) -> list[Version]:
    """Versions, oldest first (after resolving an interrupted publish when the store is free)."""
    country = checked_country(country)
    # when the store is in use or missing, report the manifest as it stands
    with suppress(PublishError):
        _using_store(
            store_path, lambda store: recover_open(store, store_path, country), "a recovery"
        )
    return versions_in(history_dir(store_path, country))


def diff(store_path: Path, country: str, old: int, new: int) -> Diff:
    return diff_in(history_dir(store_path, country), country, old, new)


def diff_in(folder: Path, country: str, old: int, new: int) -> Diff:
    """What changed between two versions kept in the history `folder` of `country`."""
    country = checked_country(country)
    before = _by_record(load_version_in(folder, country, old))
    after = _by_record(load_version_in(folder, country, new))
    modified = [
        RecordChange(
            record,
            sorted(_show(t) for t in after[record] - before[record]),
            sorted(_show(t) for t in before[record] - after[record]),
        )
        for record in sorted(before.keys() & after.keys())
        if before[record] != after[record]
    ]
    return Diff(
        country,
        old,
        new,
        sorted(after.keys() - before.keys()),
        sorted(before.keys() - after.keys()),
        modified,
    )


def load_version(store_path: Path, country: str, version: int) -> list[ox.Triple]:
    return load_version_in(history_dir(store_path, country), country, version)


def load_version_in(folder: Path, country: str, version: int) -> list[ox.Triple]:
    entry = next((v for v in versions_in(folder) if v.version == version), None)
    if entry is None:
        raise PublishError(f"{country} has no version {version}: see `aqkg history {country}`")
    quads = ox.parse(path=str(folder / entry.file), format=ox.RdfFormat.N_QUADS)
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


def recover(store_path: Path, country: str) -> None:
    """Resolve a publish that was interrupted (see the module docstring)."""
    country = checked_country(country)
    _using_store(store_path, lambda store: recover_open(store, store_path, country), "a recovery")


def graph_hash(store: ox.Store, country: str) -> str:
    graph = ox.NamedNode(published_graph(country))
    return content_hash(
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, graph)
    )


# -- internals -------------------------------------------------------------------------------


def _using_store(store_path: Path, action: Callable[[ox.Store], T], what: str) -> T:
    """Run `action` on the store opened for writing (waiting LOCK_WAIT_SECONDS at most for
    another command's lock), and release the store (its RocksDB lock) before returning or
    raising: pyoxigraph has no close(), the store closes when its last reference goes, and a
    traceback would otherwise keep it alive through the frames. `what` names the action to
    a command waiting for it."""
    if not (store_path / "CURRENT").is_file():
        raise PublishError(f"no store at {store_path}: run `aqkg build` first")
    store = _open_for_writing(store_path)
    writer = store_path.parent / WRITER
    try:
        # advisory, for a command waiting for the lock: no fsync (a torn record reads as none)
        writer.write_bytes(_writer_record(what))
        return action(store)
    except BaseException as error:
        # The traceback's frames hold the store (and the validation context around it): clear
        # their locals, so the lock goes with `del store` below, not at some later collection.
        _forget_frames(error)
        raise
    finally:
        writer.unlink(missing_ok=True)
        store.flush()
        del store
        gc.collect()  # validation leaves reference cycles that would keep the store open


def _open_for_writing(store_path: Path) -> ox.Store:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return ox.Store(str(store_path))
        except OSError as error:
            # RocksDB's words: "IO error: While lock file: .../LOCK: Resource temporarily
            # unavailable"
            if "lock" not in str(error).lower():
                raise PublishError(
                    f"cannot open the store at {store_path} for writing: {error}"
                ) from None
            if time.monotonic() >= deadline:
                raise PublishError(_busy(store_path)) from None
            time.sleep(0.2)


def _writer_record(what: str) -> bytes:
    since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return json.dumps({"what": what, "since": since, "pid": os.getpid()}).encode()


def _busy(store_path: Path) -> str:
    """Who holds the store's write lock, as its writer record says (when its process lives)."""
    waited = f"waited {LOCK_WAIT_SECONDS:g} s"
    try:
        record = json.loads((store_path.parent / WRITER).read_text(encoding="utf-8"))
        os.kill(int(record["pid"]), 0)
        return f"{record['what']} is running since {record['since']} ({waited}); try again"
    except (OSError, ValueError, KeyError, TypeError):
        return (
            f"another command is writing to the store at {store_path} (an aqkg build?; "
            f"{waited}); try again"
        )


def _forget_frames(error: BaseException) -> None:
    """Clear the local variables of every finished frame the error (and the errors it chains)
    refers to; the message, and a PublishError's report, stay."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)
        pending += [current.__cause__, current.__context__]


def _target(store: ox.Store, store_path: Path, country: str) -> EmbeddedTarget:
    return EmbeddedTarget(store, history_dir(store_path, country))


@dataclass
class Submission:
    """A validated submission: its triples, and what was read to make them (one line)."""

    triples: list[ox.Triple]
    read: str


def validated(source: Path, country: str, context: EmbeddedStore) -> Submission:
    """The submission's triples, when it has no violation against `context`."""
    # imported here: validation loads pySHACL, which history, diff and rollback do not need
    from aqkg.intake.ingest import IngestError
    from aqkg.submissions.sheet_report import validate_spreadsheet
    from aqkg.validation.validate import validate_triples

    try:
        if source.suffix.lower() in FORMATS_BY_SUFFIX:
            triples = parse_triples(source)
            report: SheetReport | Report = validate_triples(
                triples, context, [str(source)], country=country
            )
            read = f"read {source.name}: {len(triples)} triples"
        else:
            sheet_report, ingested = validate_spreadsheet(source, context, country)
            triples, report = ingested.triples, sheet_report
            rows = Counter(sheet for sheet, _ in ingested.provenance.rows.values())
            read = f"read {source.name}: " + ", ".join(
                f"{sheet} {count} row(s)" for sheet, count in sorted(rows.items())
            )
    except (IngestError, UnusableInputError) as error:
        raise PublishError(str(error)) from None
    if not report.conforms:
        raise PublishError(
            f"{source}: not published, {report.violations} violation(s); fix them and publish "
            "again (the store is unchanged)",
            report,
        )
    return Submission(triples, read)


@dataclass(frozen=True)
class Removals:
    """How many of the published records a new version may remove (`share`, None: any), and
    where to announce them before committing."""

    share: float | None = None
    announce: Announce | None = None

    def check(self, country: str, entry: Version, before: int) -> None:
        if entry.removed and self.announce:
            shown = ", ".join(entry.removed[:10]) + (" ..." if len(entry.removed) > 10 else "")
            self.announce(f"removes {len(entry.removed)} of {before} record(s): {shown}")
        if self.share is None or not before or len(entry.removed) <= self.share * before:
            return
        raise PublishError(
            f"not published: the submission removes {len(entry.removed)} of the {before} "
            f"records {country} has published, over {self.share:.0%}; check that it holds every "
            "sheet and row (see `aqkg diff` after publishing), or publish again with "
            "--allow-removals (the store is unchanged)"
        )


def commit(
    target: PublishTarget,
    country: str,
    triples: list[ox.Triple],
    note: str,
    removals: Removals | None = None,
) -> Version:
    """Make `triples` the current version on `target`, after `removals` has seen (and not
    refused) the records it removes. The order (version file, pending intent, the store's one
    transaction, manifest, intent removed) is what recovery relies on."""
    if any(_has_blank_node(t) for t in triples):
        raise PublishError("blank nodes cannot be published: give every record an IRI")
    folder = target.folder
    folder.mkdir(parents=True, exist_ok=True)
    recover_target(target, country)
    versions = versions_in(folder)
    new = _canonical(triples)
    sha = content_hash(new)
    if versions and versions[-1].sha256 == sha:
        raise PublishError(f"v{versions[-1].version} already holds exactly this data")
    target.check_current(country, versions[-1] if versions else None)
    previous = load_version_in(folder, country, versions[-1].version) if versions else []
    entry = _entry(len(versions) + 1 if not versions else versions[-1].version + 1, note, new)
    _set_changes(entry, previous, new)
    (removals or Removals()).check(country, entry, versions[-1].records if versions else 0)
    graph = published_graph(country)
    _write_atomic(folder / entry.file, _nquads(new, graph))
    target.replace(graph, new, entry, lambda: _write_atomic(folder / PENDING, _json(entry)))
    _write_manifest(folder, [*versions, entry])
    (folder / PENDING).unlink()
    return entry


def recover_open(store: ox.Store, store_path: Path, country: str) -> None:
    recover_target(_target(store, store_path, country), country)


def recover_target(target: PublishTarget, country: str) -> None:
    """Resolve an interrupted commit from its pending intent (see the module docstring)."""
    folder = target.folder
    for leftover in folder.glob(".*.*"):  # temporary files of an interrupted write
        leftover.unlink(missing_ok=True)
    pending_file = folder / PENDING
    if not pending_file.is_file():
        return
    pending = Version(**json.loads(pending_file.read_text(encoding="utf-8")))
    versions = versions_in(folder)
    current = target.current_hash(country)
    new, old = (
        target.recorded_hash(pending),
        target.recorded_hash(versions[-1] if versions else None),
    )
    if current == old != new and target.finish_swap(country, pending):
        current = target.current_hash(country)
    if current == new:
        pending.staging = None
        if not any(v.version == pending.version for v in versions):
            _write_manifest(folder, [*versions, pending])
    elif current == old:
        (folder / pending.file).unlink(missing_ok=True)
    else:
        raise PublishError(
            f"the published graph of {country} matches neither v{pending.version} nor the last "
            f"version in {folder / MANIFEST}: inspect it before publishing again"
        )
    pending_file.unlink()


def _entry(number: int, note: str, triples: list[ox.Triple]) -> Version:
    return Version(
        version=number,
        date=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        note=note,
        file=f"v{number}.nq",
        sha256=content_hash(triples),
        triples=len(triples),
        records=len({t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}),
    )


def _set_changes(entry: Version, before: list[ox.Triple], after: list[ox.Triple]) -> None:
    old, new = _by_record(before), _by_record(after)
    entry.added = sorted(new.keys() - old.keys())
    entry.removed = sorted(old.keys() - new.keys())
    entry.modified = sorted(r for r in old.keys() & new.keys() if old[r] != new[r])


def _by_record(triples: Iterable[ox.Triple]) -> dict[str, set[ox.Triple]]:
    records: dict[str, set[ox.Triple]] = {}
    for triple in triples:
        records.setdefault(_subject(triple), set()).add(triple)
    return records


def _subject(triple: ox.Triple) -> str:
    subject = triple.subject
    return subject.value if isinstance(subject, ox.NamedNode | ox.BlankNode) else str(subject)


def _show(triple: ox.Triple) -> str:
    return f"{triple.predicate} {triple.object}"


def _canonical(triples: list[ox.Triple]) -> list[ox.Triple]:
    """The triples as the store will hold them (it rewrites numbers canonically: 0.70 -> 0.7),
    so the hash of a version matches the hash of the graph once stored."""
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return sorted((ox.Triple(q.subject, q.predicate, q.object) for q in scratch), key=_line)


def _has_blank_node(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def _line(triple: ox.Triple) -> str:
    return f"{triple.subject} {triple.predicate} {triple.object} ."


def content_hash(triples: Iterable[ox.Triple]) -> str:
    """SHA-256 of the triples' sorted N-Triples lines: the same for the same set of triples."""
    digest = hashlib.sha256()
    for line in sorted(_line(t) for t in triples):
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def _nquads(triples: list[ox.Triple], graph: str) -> bytes:
    node = ox.NamedNode(graph)
    quads = [ox.Quad(t.subject, t.predicate, t.object, node) for t in triples]
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


def versions_in(folder: Path) -> list[Version]:
    """The versions recorded in a country's history folder, oldest first."""
    path = folder / MANIFEST
    if not path.is_file():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [Version(**entry) for entry in raw["versions"]]
    except (ValueError, KeyError, TypeError) as error:
        raise PublishError(f"{path}: unreadable history manifest ({error})") from None


def _as_dict(version: Version) -> dict[str, object]:
    """The manifest entry; server_sha256 and staging only on the SPARQL server route."""
    entry = asdict(version)
    for route_only in ("server_sha256", "staging"):
        if entry[route_only] is None:
            del entry[route_only]
    return entry


def _json(version: Version) -> bytes:
    return json.dumps(_as_dict(version)).encode()


def _write_manifest(folder: Path, versions: list[Version]) -> None:
    payload = {"versions": [_as_dict(v) for v in versions]}
    _write_atomic(folder / MANIFEST, json.dumps(payload, indent=1, ensure_ascii=False).encode())


def _write_atomic(path: Path, data: bytes) -> None:
    """Write beside, fsync, rename over, fsync the folder: the file is old or new, never torn."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
