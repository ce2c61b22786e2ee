"""`aqkg load`: N-Triples, N-Quads, Turtle, TriG and their gzip, into the embedded store and a
real Virtuoso, all or nothing: a bad line, a nesting bomb, a killed process leave the store as
it was."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from aqkg.build.synth import write
from aqkg.cli.main import main
from aqkg.intake.bulk_load import LOADED_GRAPH_BASE
from aqkg.intake.rdf_guards import MAX_NESTING
from aqkg.store.embedded import EmbeddedStore
from aqkg.store.endpoint import EndpointStore
from aqkg.store.virtuoso import LocalVirtuoso

pytest_plugins = ["virtuoso_fixture"]

G = "https://example.org/graph/"
TRIPLES = '<urn:x:a> <urn:x:p> "one" .\n<urn:x:a> <urn:x:p> "two" .\n'
QUADS = f'<urn:x:a> <urn:x:p> "q" <{G}one> .\n<urn:x:b> <urn:x:p> "r" <{G}two> .\n'
TURTLE = '@prefix x: <urn:x:> .\nx:a x:p "t1" , "t2" , "t3" .\n'
TRIG = f'@prefix x: <urn:x:> .\n<{G}trig> {{ x:a x:p "g" }}\n'


def counts(folder: Path) -> dict[str, int]:
    return EmbeddedStore.open(folder).triple_counts()


def load(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["load", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("gzipped", [False, True])
def test_every_format_loads_into_its_graphs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gzipped: bool
) -> None:
    files = []
    for name, text in [("t.nt", TRIPLES), ("q.nq", QUADS), ("l.ttl", TURTLE), ("w.trig", TRIG)]:
        path = tmp_path / (name + (".gz" if gzipped else ""))
        path.write_bytes(gzip.compress(text.encode()) if gzipped else text.encode())
        files.append(str(path))
    store = tmp_path / "store"
    code, out, err = load(capsys, *files, "--store", str(store))
    assert (code, err) == (0, "")
    assert out.startswith("4 file(s), ") and " bytes, loaded into " in out
    assert counts(store) == {
        LOADED_GRAPH_BASE + "t": 2,
        G + "one": 1,
        G + "two": 1,
        LOADED_GRAPH_BASE + "l": 3,
        G + "trig": 1,
    }


def test_graph_option_and_loading_twice_adds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "more.nt"
    path.write_text(TRIPLES)
    store = tmp_path / "store"
    for _ in range(2):
        assert load(capsys, str(path), "--graph", G + "mine", "--store", str(store))[0] == 0
    path.write_text('<urn:x:c> <urn:x:p> "three" .\n')
    assert load(capsys, str(path), "--graph", G + "mine", "--store", str(store))[0] == 0
    assert counts(store) == {G + "mine": 3}  # the same triples twice are one


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.nt", '<urn:x:a> <urn:x:p> "ok" .\n<urn:x:a> <urn:x:p> bad .\n', "at line 2"),
        ("bad.ttl", "@prefix x: <urn:x:> .\nx:a x:p .\n", "bad.ttl: "),
        ("bad.nq.gz", "not gzip at all", "bad.nq.gz: "),
        ("data.csv", "a,b\n", "unknown format .csv: give .nt (or .nt.gz)"),
    ],
)
def test_bad_input_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, message: str
) -> None:
    store = tmp_path / "store"
    good = tmp_path / "good.nt"
    good.write_text(TRIPLES)
    assert load(capsys, str(good), "--store", str(store))[0] == 0
    before = counts(store)
    bad = tmp_path / name
    bad.write_text(content)
    # the good file first: it must not stay loaded when the second fails
    code, out, err = load(capsys, str(good), str(bad), "--graph", G + "x", "--store", str(store))
    assert (code, out) == (2, "") and message in err and err.count("\n") == 1
    assert counts(store) == before
    assert not store.with_name("store.load").exists()


def test_a_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = load(capsys, str(tmp_path / "nope.nt"), "--store", str(tmp_path / "s"))
    assert code == 2 and err == f"aqkg: error: {tmp_path / 'nope.nt'}: no such file\n"


@pytest.mark.parametrize(("depth", "refused"), [(MAX_NESTING, False), (MAX_NESTING + 1, True)])
def test_triple_terms_nested_past_the_limit_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: int, refused: bool
) -> None:
    inner = "<urn:x:c> <urn:x:d> <urn:x:e>"
    for _ in range(depth - 1):
        inner = f"<< {inner} >> <urn:x:d> <urn:x:e>"
    path = tmp_path / "deep.nt"
    path.write_text(f"<urn:x:a> <urn:x:b> << {inner} >> .\n")
    code, _, err = load(capsys, str(path), "--store", str(tmp_path / "store"))
    if refused:
        assert code == 2 and f"triple terms nested over {MAX_NESTING} deep" in err
    else:
        assert "nested over" not in err  # read past the guard (pyoxigraph decides the rest)


def test_a_killed_load_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    store = tmp_path / "store"
    small = tmp_path / "small.nt"
    small.write_text(TRIPLES)
    assert main(["load", str(small), "--store", str(store)]) == 0
    before = counts(store)
    big = tmp_path / "big.nt"
    write(big, 300_000, seed=3)
    process = subprocess.Popen(
        [sys.executable, "-m", "aqkg.cli.main", "load", str(big), "--store", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    staging = store.with_name("store.load")
    deadline = time.monotonic() + 60
    while not staging.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, "the load ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert counts(store) == before
    # the next load clears what the killed one left
    assert main(["load", str(small), "--graph", G + "after", "--store", str(store)]) == 0
    assert counts(store) == {**before, G + "after": 2}
    assert not staging.exists()


def test_load_into_a_sparql_server_all_at_once(
    virtuoso: LocalVirtuoso,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AQKG_ENDPOINT_USER", virtuoso.user)
    monkeypatch.setenv("AQKG_ENDPOINT_PASSWORD", virtuoso.password)
    quads = tmp_path / "q.nq"
    quads.write_text(QUADS.replace(G, G + "loadtest/"))
    code, out, err = load(capsys, str(quads), "--endpoint", virtuoso.sparql_url)
    assert (code, err) == (0, "") and out.startswith("1 file(s), 2 triples, loaded into ")
    reader = EndpointStore(virtuoso.sparql_url)
    count = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), '%s')) }"
    )
    [[n]] = reader.select(count % (G + "loadtest/"), whole_server=True).rows
    assert n == ox.Literal("2", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    bad = tmp_path / "bad.nq"
    bad.write_text(f'<urn:x:z> <urn:x:p> "z" <{G}loadtest/one> .\nnot a quad\n')
    code, _, err = load(capsys, str(bad), "--endpoint", virtuoso.sparql_url)
    assert code == 2 and "bad.nq: " in err and "nothing loaded" in err
    [[n]] = reader.select(count % (G + "loadtest/"), whole_server=True).rows
    assert n.value == "2"  # the good first line of the bad file was not added
    assert reader.staging_graphs() == []


def test_a_large_line_based_file_loads_in_parts_the_same(tmp_path: Path) -> None:
    """Over PARALLEL_MIN_BYTES an N-Triples file is loaded in parts at once; the store holds
    the same as one load; a file with a blank node label is never split."""
    from aqkg.intake import bulk_load

    big = tmp_path / "big.nt"
    write(big, 60_000, seed=5)
    assert big.stat().st_size > bulk_load.PARALLEL_MIN_BYTES
    [source] = bulk_load.sources([big], None)
    ranges = bulk_load._parallel_ranges(source)
    assert len(ranges) == bulk_load.PARALLEL_PARTS > 1
    data = big.read_bytes()
    assert all(data[end - 1 : end] == b"\n" for _, end in ranges)
    bulk_load.load_into_folder(tmp_path / "parts", [big])
    whole = ox.Store()
    whole.bulk_load(path=str(big), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(G + "w"))
    assert sum(counts(tmp_path / "parts").values()) == len(whole)
    with big.open("ab") as out:
        out.write(b'_:b <urn:x:p> "blank" .\n')
    assert bulk_load._parallel_ranges(bulk_load.sources([big], None)[0]) == [
        (0, big.stat().st_size)
    ]
