"""Run the hostile-input corpus (manifest.json) through every entry point that reads input, in
a process of its own, writing one JSON line per (case, entry point).

    .venv/bin/python tests/hostile/runner.py OUT.jsonl [CASE_ID...]

tests/test_hostile.py and tests/test_no_network.py share one run per session (`results()`).

Entry points: `aqkg validate | ingest | publish | import esco | query -e` (in this process,
through aqkg.cli.main), the SPARQL endpoint (aqkg.web.server.make_server on loopback, over HTTP),
and the explorer's SPARQL and Validate pages (aqkg.explore.run_sparql, validate_upload).

Watching, per run: wall time, peak memory (ru_maxrss against the resident size before), the
stores' quads and the publish history before and after. No network, no stray files: an audit
hook records (and blocks) any urllib.Request, any socket connection but to the endpoint under
test, and any open() outside what the run was given (its input, its output folder, the stores,
the explorer's upload folder) and the program's own files (Python's libraries, the project's
ontology, shapes, data and queries). pyoxigraph is Rust: its file and network access bypass
audit hooks, so two canaries catch those: every URL in the corpus points to a listener on
loopback that counts connections, every file: URL to a file watched with inotify for any open.
Self-tests show that each of the three catches what it should.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import functools
import gc
import hashlib
import http.client
import io
import json
import os
import resource
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MANIFEST = HERE / "manifest.json"
TEXT_SUFFIXES = {".ttl", ".nt", ".jsonld", ".rdf", ".rq", ".csv"}
CASE_TIMEOUT_SECONDS = 120  # a hung case ends the run (faulthandler), never the suite


def manifest() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(MANIFEST.read_text(encoding="utf-8"))["cases"]
    return cases


def results() -> dict[tuple[str, str], dict[str, Any]]:
    """(case, entry point) -> record, from one run of the corpus per test session."""
    outcome = _run_corpus()
    if isinstance(outcome, str):  # the same failure for every test, without running again
        raise RuntimeError(outcome)
    return outcome


@functools.cache
def _run_corpus() -> dict[tuple[str, str], dict[str, Any]] | str:
    """Run the corpus in a child process: its records, or why it failed."""
    with tempfile.TemporaryDirectory(prefix="hostile-results-") as folder:
        out = Path(folder) / "results.jsonl"
        try:
            child = subprocess.run(
                [sys.executable, str(Path(__file__)), str(out)],
                capture_output=True,
                text=True,
                timeout=600,
                cwd=REPO,
            )
        except subprocess.TimeoutExpired:
            return "the corpus runner took over 600 s"
        lines = out.read_text(encoding="utf-8").splitlines() if out.is_file() else []
    records = [json.loads(line) for line in lines]
    started = [r for r in records if r.get("started")]
    finished = {(r["case"], r["entry"]): r for r in records if "seconds" in r}
    if child.returncode != 0:
        last = started[-1] if started else {}
        return (
            f"the corpus runner failed (exit {child.returncode}) during "
            f"{last.get('case')}/{last.get('entry')}:\n{child.stderr[-3000:]}"
        )
    for record in records:  # the run's own records: its self-test and its summary
        if "selftest" in record:
            finished[("run", "selftest")] = record["selftest"]
        if "read_only_store_unchanged" in record:
            finished[("run", "summary")] = record
    return finished


# == canaries and the audit hook ===================================================================


class CanaryListener:
    """A TCP listener on loopback counting the connections made to it."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()


class OpenWatcher:
    """Counts opens of one file by anyone, Rust code included (Linux inotify)."""

    IN_ACCESS, IN_OPEN = 0x01, 0x20

    def __init__(self, path: Path) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        self._fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self._fd < 0 or (
            libc.inotify_add_watch(self._fd, os.fsencode(path), self.IN_OPEN | self.IN_ACCESS) < 0
        ):
            raise OSError(ctypes.get_errno(), f"inotify on {path}")

    def events(self) -> int:
        count = 0
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                return count
            offset = 0
            while offset < len(data):
                length = struct.unpack_from("iIII", data, offset)[3]
                offset += 16 + length
                count += 1


@dataclass
class Audit:
    """What the audit hook allows while armed, and what it caught."""

    armed: bool = False
    roots: tuple[str, ...] = ()
    addresses: frozenset[tuple[str, int]] = frozenset()
    caught: list[str] = field(default_factory=list)

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.armed:
            return
        if event == "urllib.Request":
            self._refuse(f"urllib.Request {args[0]}")
        elif event == "socket.connect":
            address = args[1]
            if not (isinstance(address, tuple) and tuple(address[:2]) in self.addresses):
                self._refuse(f"socket.connect {address!r}")
        elif event == "socket.getaddrinfo":
            if (str(args[0]), args[1]) not in self.addresses:
                self._refuse(f"socket.getaddrinfo {args[0]!r} {args[1]!r}")
        elif event == "open" and not isinstance(args[0], int):
            path = os.path.abspath(os.fsdecode(args[0]))
            if not path.startswith(self.roots):
                self._refuse(f"open {path} {args[1]!r}")

    def _refuse(self, what: str) -> None:
        self.caught.append(what)
        raise PermissionError(f"audit hook: {what}")

    @contextlib.contextmanager
    def watching(self, roots: list[Path | str], addresses: set[tuple[str, int]]) -> Iterator[None]:
        folders = [str(r) + os.sep if isinstance(r, Path) else r for r in roots]
        self.roots = (*_program_roots(), *folders)
        self.addresses = frozenset(addresses)
        self.caught = []
        self.armed = True
        try:
            yield
        finally:
            self.armed = False


def _program_roots() -> list[str]:
    """The program's own files: Python and its libraries, aqkg, the project's config."""
    import aqkg

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(aqkg.__file__).parent)}
    roots |= {str(REPO / name) + os.sep for name in ("ontology", "shapes", "data", "queries")}
    return sorted(roots)


# == the run =======================================================================================


@dataclass
class Workspace:
    root: Path
    canary: CanaryListener
    secret: Path
    store: Path  # read-only uses: validate, query, endpoint, explorer
    publish_store: Path  # publish and import write here; refused ones must change nothing
    server_address: tuple[str, int] = ("127.0.0.1", 0)
    digests: dict[Path, str] = field(default_factory=dict)  # the state after the last run

    def case_dir(self, case: dict[str, Any]) -> Path:
        return self.root / "cases" / case["id"]

    def out_dir(self, case: dict[str, Any], entry: str) -> Path:
        path = self.root / "out" / case["id"] / entry
        path.mkdir(parents=True, exist_ok=True)
        return path


def run(out: Path, only: set[str]) -> None:
    faulthandler.enable()
    root = Path(tempfile.mkdtemp(prefix="hostile-corpus-"))
    # An empty working folder, allowed to the audit hook: shutil.rmtree opens entries by name
    # relative to a folder descriptor, which the audit event does not show.
    (root / "cwd").mkdir()
    os.chdir(root / "cwd")
    os.environ["AQKG_HOME"] = str(REPO)
    canary = CanaryListener()
    try:
        with out.open("w", encoding="utf-8") as sink:
            _run(root, canary, sink, only)
    finally:
        canary.close()
        shutil.rmtree(root, ignore_errors=True)


def _run(root: Path, canary: CanaryListener, sink: io.TextIOBase, only: set[str]) -> None:
    from aqkg import explore
    from aqkg.web.server import make_server

    secret = root / "secret" / "canary.txt"
    secret.parent.mkdir(parents=True)
    secret.write_text("SECRET: no parser may read this file\n", encoding="utf-8")
    space = Workspace(root, canary, secret, root / "store" / "store", root / "pub" / "store")
    clock = time.perf_counter()
    context = _build_stores(space)
    print(f"stores built in {time.perf_counter() - clock:.1f}s", file=sys.stderr)
    cases = [c for c in manifest() if not only or c["id"] in only]
    for case in cases:
        clock = time.perf_counter()
        _materialise(case, space, context)
        print(f"{case['id']} made in {time.perf_counter() - clock:.2f}s", file=sys.stderr)
    watcher = OpenWatcher(secret)
    server = make_server(space.store, port=0, timeout_seconds=5, workers=2, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    space.server_address = ("127.0.0.1", server.server_address[1])
    explore.run_sparql(space.store, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")  # starts its worker
    audit = Audit()
    sys.addaudithook(audit.hook)
    _write(sink, {"selftest": _selftest(space, watcher, audit)})
    quads_before = _quads_digest(space.store)
    try:
        for case in cases:
            for entry in case["expect"]:
                _write(sink, {"case": case["id"], "entry": entry, "started": True})
                record = _run_one(case, entry, space, context, watcher, audit)
                _write(sink, {"case": case["id"], "entry": entry, **record})
    finally:
        server.shutdown()
        server.server_close()
    _write(sink, {"read_only_store_unchanged": _quads_digest(space.store) == quads_before})


def _write(sink: io.TextIOBase, record: dict[str, Any]) -> None:
    sink.write(json.dumps(record) + "\n")
    sink.flush()


def _build_stores(space: Workspace) -> Any:
    """A store of the ontology, vocabularies, regional data and PH (the corpus submits for PH):
    smaller than the whole graph, so a validation report takes a second, not five."""
    from aqkg.intake.project_files import load_project_files, project_files
    from aqkg.store.embedded import EmbeddedStore, replace_store_directory

    files = [
        p
        for p in project_files()
        if "countries" not in p.parts or p.relative_to(REPO / "data").parts[1] == "ph"
    ]
    replace_store_directory(space.store, load_project_files(files))
    shutil.copytree(space.store, space.publish_store)
    return EmbeddedStore.open(space.store)


def _selftest(space: Workspace, watcher: OpenWatcher, audit: Audit) -> dict[str, bool]:
    """Each detector catches what it must (else a clean run would prove nothing)."""
    import pyoxigraph as ox

    checks: dict[str, bool] = {}
    with audit.watching([], set()):
        for name, attempt in {
            "audit_open": lambda: space.secret.open(encoding="utf-8"),
            "audit_urllib": lambda: urllib.request.urlopen(space.canary.url, timeout=1),
            "audit_socket": lambda: socket.create_connection(("127.0.0.1", 9), timeout=1),
        }.items():
            try:
                attempt()
                checks[name] = False
            except PermissionError:
                checks[name] = bool(audit.caught)
    before = space.canary.connections
    with contextlib.suppress(OSError):  # pyoxigraph runs SERVICE: the listener sees it
        ox.Store().query(f"SELECT * WHERE {{ SERVICE <{space.canary.url}/sparql> {{ ?s ?p ?o }} }}")
    checks["canary_sees_pyoxigraph_service"] = _wait(lambda: space.canary.connections > before)
    watcher.events()
    with contextlib.suppress(SyntaxError):
        ox.parse(path=str(space.secret), format=ox.RdfFormat.N_TRIPLES)
    checks["inotify_sees_pyoxigraph_open"] = watcher.events() > 0
    space.canary.connections = 0
    return checks


def _wait(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def _run_one(
    case: dict[str, Any],
    entry: str,
    space: Workspace,
    context: Any,
    watcher: OpenWatcher,
    audit: Audit,
) -> dict[str, Any]:
    writes = entry in WRITING_ENTRY_POINTS
    store = space.publish_store if writes else space.store
    state = _quads_digest if writes else _files_digest
    before = space.digests.get(store) or state(store)
    resident = _resident_bytes()
    watcher.events()
    connections = space.canary.connections
    out = space.out_dir(case, entry)
    roots = [space.case_dir(case), out, store.parent, Path.cwd(), *_upload_roots()]
    faulthandler.dump_traceback_later(CASE_TIMEOUT_SECONDS, exit=True)
    started = time.perf_counter()
    try:
        with audit.watching(roots, {space.server_address}):
            outcome = ENTRY_POINTS[entry](case, space, out, context)
    finally:
        seconds = time.perf_counter() - started
        faulthandler.cancel_dump_traceback_later()
        if entry == "publish":
            # A refused publish can leave the store referenced from a reference cycle (the
            # traceback of a failed parse): its lock lasts until the next garbage collection,
            # harmless in a one-command CLI process, fatal to the next publish in this one.
            gc.collect()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    _wait(lambda: space.canary.connections > connections, 0.02)  # let the listener count
    return {
        **outcome,
        "seconds": round(seconds, 3),
        "memory_bytes": max(0, peak - resident),
        "store_changed": _remember(space.digests, store, state(store)) != before,
        "output_written": any(out.iterdir()),
        "audit": audit.caught,
        "canary_connections": space.canary.connections - connections,
        "canary_opens": watcher.events(),
    }


def _remember(digests: dict[Path, str], store: Path, digest: str) -> str:
    digests[store] = digest
    return digest


def _upload_roots() -> list[str]:
    """The explorer's temporary folders for an upload and a blank template."""
    return [os.path.join(tempfile.gettempdir(), p) for p in ("aqkg-upload-", "aqkg-template-")]


def _resident_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


WRITING_ENTRY_POINTS = ("publish", "import-esco")


def _quads_digest(store: Path) -> str:
    """A digest of every quad of the store and of every file of the publish history."""
    import pyoxigraph as ox

    opened = ox.Store.read_only(str(store))
    digest = hashlib.sha256(opened.dump(format=ox.RdfFormat.N_QUADS) or b"")
    del opened
    history = store.parent / "history"
    for path in sorted(history.rglob("*")) if history.is_dir() else []:
        digest.update(str(path).encode() + (path.read_bytes() if path.is_file() else b""))
    return digest.hexdigest()


def _files_digest(store: Path) -> str:
    """Name, size and time of every file of a store opened read-only only: any write shows
    (a read-only open changes nothing; the quads are compared at the start and the end)."""
    entries = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(store))
    return hashlib.sha256(repr(entries).encode()).hexdigest()


# == entry points ==================================================================================


def _cli(*argv: str) -> dict[str, Any]:
    from aqkg.cli.main import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse
            code = int(exit_.code or 0)
    return {"exit": code, "stdout": stdout.getvalue()[-4000:], "stderr": stderr.getvalue()}


def _input(case: dict[str, Any], space: Workspace) -> Path:
    folder = space.case_dir(case)
    return next(folder.iterdir())


def _validate(case: dict[str, Any], space: Workspace, out: Path, context: Any) -> dict[str, Any]:
    return _cli("validate", "--store", str(space.store), str(_input(case, space)))


def _ingest(case: dict[str, Any], space: Workspace, out: Path, context: Any) -> dict[str, Any]:
    return _cli("ingest", str(_input(case, space)), "-o", str(out / "out.ttl"), "--country", "PH")


def _publish(case: dict[str, Any], space: Workspace, out: Path, context: Any) -> dict[str, Any]:
    source = str(_input(case, space))
    return _cli("publish", source, "--country", "PH", "--store", str(space.publish_store))


def _import_esco(case: dict[str, Any], space: Workspace, out: Path, context: Any) -> dict[str, Any]:
    return _cli("import", "esco", str(_input(case, space)), "--store", str(space.publish_store))


def _query(case: dict[str, Any], space: Workspace, out: Path, context: Any) -> dict[str, Any]:
    text = _input(case, space).read_text(encoding="utf-8")
    return _cli("query", "--store", str(space.store), "-e", text)


def _endpoint(case: dict[str, Any], space: Workspace, out: Path, context: Any) -> dict[str, Any]:
    request = case.get("request", {})
    query = _input(case, space).read_bytes()
    connection = http.client.HTTPConnection(*space.server_address, timeout=60)
    try:
        if request.get("params"):  # GET /sparql?query=...&default-graph-uri=...
            params = urllib.parse.urlencode({**request["params"], "query": query.decode()})
            connection.request("GET", "/sparql?" + params)
        else:
            content_type = request.get("content_type", "application/sparql-query")
            connection.request("POST", "/sparql", query, {"Content-Type": content_type})
        response = connection.getresponse()
        return {
            "status": response.status,
            "body": response.read()[:2000].decode("utf-8", "replace"),
        }
    finally:
        connection.close()


def _explore_sparql(
    case: dict[str, Any], space: Workspace, out: Path, context: Any
) -> dict[str, Any]:
    from aqkg.explore import ExploreError, run_sparql

    try:
        result = run_sparql(space.store, _input(case, space).read_text(encoding="utf-8"))
    except ExploreError as error:
        return {"raised": str(error)}
    return {"kind": result.kind}


def _explore_validate(
    case: dict[str, Any], space: Workspace, out: Path, context: Any
) -> dict[str, Any]:
    from aqkg.explore import ExploreError, validate_upload

    source = _input(case, space)
    if source.is_dir():  # the page takes a folder of CSV files as a zip
        name, data = source.name + ".zip", _zipped(source)
    else:
        name, data = source.name, source.read_bytes()
    try:
        outcome = validate_upload(name, data, context)
    except ExploreError as error:
        return {"raised": str(error)}
    return {"conforms": outcome.conforms, "violations": outcome.violations, "text": outcome.text}


def _zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.writestr(file.name, file.read_bytes())
    return buffer.getvalue()


ENTRY_POINTS: dict[str, Callable[[dict[str, Any], Workspace, Path, Any], dict[str, Any]]] = {
    "validate": _validate,
    "ingest": _ingest,
    "publish": _publish,
    "import-esco": _import_esco,
    "query": _query,
    "endpoint": _endpoint,
    "explore-sparql": _explore_sparql,
    "explore-validate": _explore_validate,
}


# == inputs ========================================================================================


def _materialise(case: dict[str, Any], space: Workspace, context: Any) -> None:
    """The case's input in a folder of its own, placeholders filled or generated."""
    folder = space.case_dir(case)
    folder.mkdir(parents=True)
    source = case["input"]
    if source.startswith("generated:"):
        GENERATORS[source.removeprefix("generated:")](folder, space, context)
        return
    origin = HERE / source
    target = folder / origin.name
    if origin.is_dir():
        shutil.copytree(origin, target)
        files = sorted(target.iterdir())
    else:
        shutil.copyfile(origin, target)
        files = [target]
    for file in files:
        if file.suffix in TEXT_SUFFIXES and b"{{" in file.read_bytes():
            text = file.read_text(encoding="utf-8")
            text = text.replace("{{CANARY_URL}}", space.canary.url)
            file.write_text(text.replace("{{CANARY_FILE}}", str(space.secret)), encoding="utf-8")


Generator = Callable[[Path, Workspace, Any], None]
GENERATORS: dict[str, Generator] = {}


def generator(name: str) -> Callable[[Generator], Generator]:
    def register(function: Generator) -> Generator:
        GENERATORS[name] = function
        return function

    return register


RDF_XML_OPEN = (
    '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:ex="https://example.org/hostile#">\n'
)


@generator("rdfxml-quadratic-blowup")
def _quadratic(folder: Path, space: Workspace, context: Any) -> None:
    entity = '<!DOCTYPE rdf:RDF [<!ENTITY big "' + "x" * 10_000 + '">]>\n'
    body = '<rdf:Description rdf:about="https://example.org/hostile#a"><ex:p>'
    body += "&big;" * 10_000 + "</ex:p></rdf:Description></rdf:RDF>\n"
    head, rdf = RDF_XML_OPEN.split("\n", 1)
    (folder / "blowup.rdf").write_text(head + "\n" + entity + rdf + body, encoding="utf-8")


@generator("rdfxml-deep-nesting")
def _deep_rdf_xml(folder: Path, space: Workspace, context: Any) -> None:
    depth = 20_000
    text = RDF_XML_OPEN + '<rdf:Description rdf:about="https://example.org/hostile#a">'
    text += "<ex:p><rdf:Description>" * depth + "</rdf:Description></ex:p>" * depth
    (folder / "deep.rdf").write_text(text + "</rdf:Description></rdf:RDF>\n", encoding="utf-8")


@generator("jsonld-deep-nesting")
def _deep_json_ld(folder: Path, space: Workspace, context: Any) -> None:
    depth = 20_000
    text = '{"@id": "https://example.org/hostile#a", "https://example.org/hostile#p": '
    text += '{"https://example.org/hostile#p": ' * depth + "1" + "}" * depth + "}\n"
    (folder / "deep.jsonld").write_text(text, encoding="utf-8")


@generator("turtle-triple-term-nesting")
def _deep_triple_terms(folder: Path, space: Workspace, context: Any) -> None:
    depth, term = 150_000, "<https://example.org/hostile#a> <https://example.org/hostile#p> "
    text = term + ("<<( " + term) * depth + "1" + " )>>" * depth + " .\n"
    (folder / "deep.ttl").write_text(text, encoding="utf-8")


@generator("turtle-huge-literal")
def _huge_literal(folder: Path, space: Workspace, context: Any) -> None:
    with (folder / "huge.ttl").open("w", encoding="utf-8") as out:
        out.write('<https://example.org/hostile#a> <https://example.org/hostile#p> "')
        for _ in range(20):
            out.write("x" * (1 << 20))
        out.write('" .\n')


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as out:
        out.truncate(size)  # a hole: no disk space used


@generator("rdf-over-size-limit")
def _rdf_over_limit(folder: Path, space: Workspace, context: Any) -> None:
    from aqkg.intake.rdf_input import MAX_INPUT_BYTES

    _sparse(folder / "big.ttl", MAX_INPUT_BYTES + 1)


@generator("upload-over-limit")
def _upload_over_limit(folder: Path, space: Workspace, context: Any) -> None:
    from aqkg.explore import MAX_UPLOAD_BYTES

    _sparse(folder / "big.ttl", MAX_UPLOAD_BYTES + 1)


@generator("sparql-match-all")
def _match_all(folder: Path, space: Workspace, context: Any) -> None:
    (folder / "all.rq").write_text("SELECT * WHERE { ?s ?p ?o } LIMIT 1\n", encoding="utf-8")


@generator("sparql-deep-nesting")
def _deep_sparql(folder: Path, space: Workspace, context: Any) -> None:
    depth = 10_000
    text = "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * depth + "1" + ")" * depth + ") }\n"
    (folder / "deep.rq").write_text(text, encoding="utf-8")


@generator("sparql-operator-chain")
def _operator_chain(folder: Path, space: Workspace, context: Any) -> None:
    text = "SELECT * WHERE { ?s ?p ?o FILTER(" + "+".join(["1"] * 30_000) + ") }\n"
    (folder / "chain.rq").write_text(text, encoding="utf-8")


@generator("sparql-huge-body")
def _huge_body(folder: Path, space: Workspace, context: Any) -> None:
    text = "SELECT * WHERE { ?s ?p ?o } # " + "x" * (2 << 20) + "\n"
    (folder / "huge.rq").write_text(text, encoding="utf-8")


def _workbook(folder: Path, context: Any) -> Path:
    sys.path.insert(0, str(REPO / "tests"))
    from test_ingest import make_workbook

    return make_workbook(folder / "submission.xlsx", context)  # type: ignore[no-any-return]


def _edit_sheet_xml(path: Path, holding: bytes, edit: Callable[[bytes], bytes]) -> None:
    """Rewrite the sheet XML holding `holding` (openpyxl writes inline strings)."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            edited = edit(data) if holding in data and info.filename.startswith("xl/") else data
            archive.writestr(info, edited)


TILING = b"<t>Tiling NC I (fictional)</t>"


@generator("xlsx-formulas")
def _xlsx_formulas(folder: Path, space: Workspace, context: Any) -> None:
    from openpyxl import load_workbook

    path = _workbook(folder, context)
    workbook = load_workbook(path)
    sheet = workbook["qualifications"]
    sheet["A4"] = '=CONCATENATE("EVIL", "-1")'
    sheet["B5"] = '=HYPERLINK("https://example.org/hostile", "click")'
    sheet["B6"] = "=cmd|' /C calc'!A0"
    workbook.save(path)


@generator("xlsx-formula-cached-values")
def _xlsx_cached(folder: Path, space: Workspace, context: Any) -> None:
    path = _workbook(folder, context)
    cached = (
        b'<f>HYPERLINK("https://example.org/hostile","x")</f>'
        b'<v>=HYPERLINK("https://example.org/hostile","click")</v>'
    )

    def edit(data: bytes) -> bytes:
        start = data.index(TILING)
        cell = data.rindex(b"<c ", 0, start)
        opening = data[cell : data.index(b">", cell) + 1].replace(b'"inlineStr"', b'"str"')
        end = data.index(b"</c>", start)
        return data[:cell] + opening + cached + data[end:]

    _edit_sheet_xml(path, TILING, edit)


@generator("xlsx-leading-formula-chars")
def _xlsx_leading(folder: Path, space: Workspace, context: Any) -> None:
    from openpyxl import load_workbook

    path = _workbook(folder, context)
    workbook = load_workbook(path)
    sheet = workbook["qualifications"]
    for cell, text in (("B4", "=1+2"), ("B5", "+1+cmd|' /C calc'!A0"), ("C4", "-2+3")):
        sheet[cell] = text
        sheet[cell].data_type = "s"  # text that looks like a formula, as a user can type
    sheet["C5"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    workbook.save(path)


@generator("xlsx-merged-cells")
def _xlsx_merged(folder: Path, space: Workspace, context: Any) -> None:
    from openpyxl import load_workbook

    path = _workbook(folder, context)
    workbook = load_workbook(path)
    workbook["qualifications"].merge_cells("A4:A5")
    workbook.save(path)


@generator("xlsx-hidden-sheet")
def _xlsx_hidden(folder: Path, space: Workspace, context: Any) -> None:
    from openpyxl import load_workbook

    path = _workbook(folder, context)
    workbook = load_workbook(path)
    workbook["qualifications"].sheet_state = "hidden"
    workbook.save(path)


def _with_doctype(doctype: bytes, reference: bytes) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        data = data.replace(TILING, b"<t>" + reference + b"</t>")
        if data.startswith(b"<?xml"):
            end = data.index(b"?>") + 2
            return data[:end] + doctype + data[end:]
        return doctype + data

    return edit


@generator("xlsx-billion-laughs")
def _xlsx_bomb(folder: Path, space: Workspace, context: Any) -> None:
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    doctype = b"<!DOCTYPE worksheet [" + entities + b"]>"
    _edit_sheet_xml(_workbook(folder, context), TILING, _with_doctype(doctype, b"&lol9;"))


@generator("xlsx-xxe")
def _xlsx_xxe(folder: Path, space: Workspace, context: Any) -> None:
    doctype = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://%s">]>' % bytes(space.secret)
    _edit_sheet_xml(_workbook(folder, context), TILING, _with_doctype(doctype, b"&xxe;"))


@generator("xlsx-zip-bomb")
def _xlsx_zip_bomb(folder: Path, space: Workspace, context: Any) -> None:
    path = _workbook(folder, context)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("xl/media/padding.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(110):
            member.write(bytes(1 << 20))


@generator("xlsx-over-size")
def _xlsx_over_size(folder: Path, space: Workspace, context: Any) -> None:
    from aqkg.intake.ingest import MAX_SPREADSHEET_BYTES

    _sparse(folder / "big.xlsx", MAX_SPREADSHEET_BYTES + 1)


@generator("csv-huge-field")
def _csv_huge_field(folder: Path, space: Workspace, context: Any) -> None:
    target = folder / "template"
    target.mkdir()
    text = "key,value\ncountry,PH\nnote," + "x" * 200_000 + "\n"
    (target / "about.csv").write_text(text, encoding="utf-8")


@generator("upload-zip-slip")
def _zip_slip(folder: Path, space: Workspace, context: Any) -> None:
    with zipfile.ZipFile(folder / "slip.zip", "w") as archive:
        archive.writestr("about.csv", "key,value\ncountry,PH\n")
        archive.writestr("../../../../../tmp/aqkg-zip-slip.csv", "key,value\nnote,escaped\n")


@generator("esco-huge-field")
def _esco_huge_field(folder: Path, space: Workspace, context: Any) -> None:
    target = folder / "esco"
    shutil.copytree(HERE / "esco" / "iri-space", target)
    isco = target / "ISCOGroups_en.csv"
    isco.write_text(
        isco.read_text(encoding="utf-8").replace("Fictional description", "x" * 200_000),
        encoding="utf-8",
    )


# -- issue 23: ownership, lost rows, unbounded workbooks (built by tests/hostile/shapes.py) ----


def _shapes() -> Any:
    sys.path.insert(0, str(REPO / "tests"))
    from hostile import shapes

    return shapes


@generator("turtle-foreign-records")
def _foreign_records(folder: Path, space: Workspace, context: Any) -> None:
    _shapes()  # puts tests/ on the path
    from test_ownership import TRESPASSING

    (folder / "foreign.ttl").write_text(TRESPASSING, encoding="utf-8")


@generator("xlsx-stale-dimension")
def _stale_dimension(folder: Path, space: Workspace, context: Any) -> None:
    _shapes().stale_dimension(_workbook(folder, context), "qualifications", "A1:K4")


@generator("xlsx-twin-sheets")
def _twin_sheets(folder: Path, space: Workspace, context: Any) -> None:
    from openpyxl import load_workbook

    path = _workbook(folder, context)
    workbook = load_workbook(path)
    workbook.copy_worksheet(workbook["qualifications"]).title = "twin"
    workbook.copy_worksheet(workbook["sources"]).title = "x"
    workbook.save(path)
    _shapes().rename_sheet(path, "twin", "QUALIFICATIONS")
    _shapes().rename_sheet(path, "x", "../../x")


@generator("csv-open-quote")
def _open_quote(folder: Path, space: Workspace, context: Any) -> None:
    target = folder / "template"
    shutil.copytree(REPO / "tests" / "fixtures" / "spreadsheets" / "ph-fictional", target)
    sources = target / "sources.csv"
    lines = sources.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("https://", '"https://', 1)
    lines += [f"extra-{i},Extra {i},x,2020,https://example.org/{i}" for i in range(4)]
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")


@generator("xlsx-styles-bomb")
def _styles_bomb(folder: Path, space: Workspace, context: Any) -> None:
    _shapes().styles_bomb(_workbook(folder, context))


@generator("xlsx-shared-strings-bomb")
def _shared_strings_bomb(folder: Path, space: Workspace, context: Any) -> None:
    _shapes().shared_strings_bomb(_workbook(folder, context))


@generator("xlsx-defined-names-bomb")
def _defined_names_bomb(folder: Path, space: Workspace, context: Any) -> None:
    _shapes().defined_names_bomb(_workbook(folder, context))


@generator("xlsx-styles-2m")
def _styles_2m(folder: Path, space: Workspace, context: Any) -> None:
    _shapes().styles_bomb(_workbook(folder, context), 2_000_000)


@generator("xlsx-shared-strings-2m")
def _shared_strings_2m(folder: Path, space: Workspace, context: Any) -> None:
    _shapes().shared_strings_bomb(_workbook(folder, context), 2_000_000)


@generator("xlsx-defined-names-200k")
def _defined_names_200k(folder: Path, space: Workspace, context: Any) -> None:
    _shapes().defined_names_bomb(_workbook(folder, context), 200_000)


@generator("xlsx-wide-sheet")
def _wide_sheet(folder: Path, space: Workspace, context: Any) -> None:
    _shapes().wide_sheet(_workbook(folder, context), "qualifications")


@generator("xlsx-wide-sheet-50000-rows")
def _wide_sheet_50000(folder: Path, space: Workspace, context: Any) -> None:
    _shapes().wide_sheet(_workbook(folder, context), "qualifications", rows=50_000)


@generator("csv-wide-folder")
def _wide_csv_folder(folder: Path, space: Workspace, context: Any) -> None:
    _shapes().wide_csv_folder(folder / "template")


@generator("csv-wide-file")
def _wide_csv_file(folder: Path, space: Workspace, context: Any) -> None:
    target = _shapes().wide_csv_folder(folder / "template", files=1)
    (target / "about.csv").write_text("key,value\ncountry,PH\n", encoding="utf-8")


@generator("ntriples-long-iris")
def _long_iris(folder: Path, space: Workspace, context: Any) -> None:
    _shapes().ntriples_long_iris(folder / "long.nt")


if __name__ == "__main__":
    run(Path(sys.argv[1]), set(sys.argv[2:]))
