"""No network, no stray files: parsing and querying user input opens no socket and no file it
was not given.

The hostile corpus (tests/hostile) runs in a process of its own with an audit hook
(sys.addaudithook) that records and blocks any urllib.Request, any socket connection but to the
endpoint under test, and any open() outside the run's input, output, stores and the program's
own files (tests/hostile/runner.py, class Audit). pyoxigraph is Rust and bypasses audit hooks,
so every URL of the corpus points to a listener on loopback that counts connections, and every
file: URL to a file watched with inotify. The run is shared with tests/test_hostile.py.
"""

from __future__ import annotations

import pytest
from hostile.runner import manifest, results

RUNS = [(case["id"], entry) for case in manifest() for entry in case["expect"]]


def test_each_detector_catches_what_it_must() -> None:
    """A clean run proves nothing unless the hook, the listener and the watcher all fire when
    they should: an open of the secret file, a urllib request and a socket (the hook), and a
    SERVICE query and a file read made by pyoxigraph itself (the listener, the watcher)."""
    selftest = results()[("run", "selftest")]
    assert selftest == {
        "audit_open": True,
        "audit_urllib": True,
        "audit_socket": True,
        "canary_sees_pyoxigraph_service": True,
        "inotify_sees_pyoxigraph_open": True,
    }


@pytest.mark.parametrize(("case_id", "entry"), RUNS, ids=[f"{c}-{e}" for c, e in RUNS])
def test_no_socket_and_no_stray_file(case_id: str, entry: str) -> None:
    record = results()[(case_id, entry)]
    assert record["audit"] == []
    assert record["canary_connections"] == 0
    assert record["canary_opens"] == 0
