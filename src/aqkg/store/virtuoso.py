"""A throwaway Virtuoso on loopback, for tests and benchmarks of the endpoint backend.

Writes its own virtuoso.ini into a fresh folder (free ports, DirsAllowed limited to that folder),
starts `virtuoso-t` in the foreground, waits until it answers SPARQL, creates a write user with
the SPARQL_UPDATE role (Digest auth on /sparql-auth), and stops the server on exit. kill() then
start() simulates a crash and a restart on the same database and ports.
Needs the Debian package `virtuoso-opensource-7-bin` (virtuoso-t and isql-vt).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

SERVER = "virtuoso-t"
ISQL = "isql-vt"
DEBIAN_PACKAGE = "virtuoso-opensource-7-bin"
WRITE_USER = "aqkg_writer"
DBA_PASSWORD = "dba"  # the default of a fresh database; loopback only, thrown away afterwards

INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = {db}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
CheckpointInterval = 60
ServerThreads = 20
MaxQueryMem = 1G
VADInstallDir = {db}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
ServerThreads = 20
MaxClientConnections = 20
KeepAliveTimeout = 10
MaxKeepAlives = 10

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 600
DefaultGraph =
"""


class VirtuosoMissing(RuntimeError):
    """virtuoso-t or isql-vt is not installed."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalVirtuoso:
    """`with LocalVirtuoso(folder) as v:` gives a running server; v.sparql_url, v.user..."""

    folder: Path
    buffers_mb: int = 512
    password: str = "aqkg-test-writer"
    user: str = WRITE_USER

    def __post_init__(self) -> None:
        self.sql_port = _free_port()
        self.http_port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def sparql_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def __enter__(self) -> LocalVirtuoso:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, timeout: float = 60.0) -> None:
        for program in (SERVER, ISQL):
            if shutil.which(program) is None:
                raise VirtuosoMissing(
                    f"{program} not found: install the Debian package {DEBIAN_PACKAGE} "
                    f"(apt-get install -y {DEBIAN_PACKAGE})"
                )
        db = self.folder.resolve()
        db.mkdir(parents=True, exist_ok=True)
        fresh = not (db / "virtuoso.db").exists()  # a restart keeps its database and user
        buffers = self.buffers_mb * 1024 // 8  # Virtuoso pages are 8 KiB
        ini = db / "virtuoso.ini"
        ini.write_text(
            INI.format(
                db=db,
                sql_port=self.sql_port,
                http_port=self.http_port,
                buffers=buffers,
                dirty=buffers * 3 // 4,
            ),
            encoding="utf-8",
        )
        self._process = subprocess.Popen(
            [SERVER, "-f", "-c", str(ini)],
            cwd=db,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_ready(timeout, db / "virtuoso.log")
        if not fresh:
            return
        self.isql(
            f"DB.DBA.USER_CREATE('{self.user}', '{self.password}');",
            f'GRANT SPARQL_UPDATE TO "{self.user}";',
            f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{self.user}', 3);",
        )

    def _wait_ready(self, timeout: float, log: Path) -> None:
        deadline = time.monotonic() + timeout
        probe = self.sparql_url + "?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"virtuoso-t exited early:\n{tail}")
            try:
                with urllib.request.urlopen(probe, timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Virtuoso did not answer on {self.sparql_url} within {timeout:.0f}s")

    def isql(self, *statements: str) -> str:
        """Run SQL statements as dba through isql-vt; raises if one fails."""
        command = [ISQL, str(self.sql_port), "dba", DBA_PASSWORD]
        script = "\n".join(statements) + "\nexit;\n"
        done = subprocess.run(command, input=script.encode(), capture_output=True, check=False)
        output = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
        if done.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql-vt failed:\n{output}")
        return output

    def kill(self) -> None:
        """Stop the server the hard way (SIGKILL), as a crash or a pulled plug would: no
        checkpoint, open transactions lost. start() again recovers the same database."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
