"""Starting the explorer: `streamlit run app/main.py` on a store, built first when missing, or
on a SPARQL endpoint ($AQKG_ENDPOINT), which the app then reads without credentials."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from aqkg.explore._store import STORE_ENV, store_exists
from aqkg.explore.validate import MAX_UPLOAD_BYTES
from aqkg.paths import project_root

APP_MAIN = Path("app") / "main.py"
ENDPOINT_ENV = "AQKG_ENDPOINT"
# The explorer only reads: write credentials stay out of the Streamlit process.
WRITE_SECRETS = ("AQKG_ENDPOINT_USER", "AQKG_ENDPOINT_PASSWORD")


def app_script() -> Path:
    return project_root() / APP_MAIN


DEFAULT_HOST = "127.0.0.1"


def streamlit_command(port: int | None = None, host: str = DEFAULT_HOST) -> list[str]:
    """`streamlit run app/main.py` as a headless server (no browser, no usage statistics),
    bound to `host`: loopback unless asked otherwise (Streamlit's own default is every
    interface, which would publish the explorer, and its upload page, to the network)."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_script()),
        "--server.headless=true",
        "--browser.gatherUsageStats=false",
        f"--server.maxUploadSize={MAX_UPLOAD_BYTES // (1024 * 1024)}",
        "--client.toolbarMode=minimal",
        "--client.showErrorDetails=none",
        # the tables' own CSV export writes formulas as they are: pages offer a defused one
        "--client.disableDataExport=true",
        f"--server.address={host}",
    ]
    if port is not None:
        command.append(f"--server.port={port}")
    return command


def launch(
    store_path: Path,
    port: int | None = None,
    endpoint: str | None = None,
    host: str = DEFAULT_HOST,
) -> int:
    """Open the explorer on `store_path`, building the store first when there is none; or on
    the SPARQL `endpoint` when one is given."""
    if endpoint:
        env = {k: v for k, v in os.environ.items() if k not in WRITE_SECRETS}
        env.update({ENDPOINT_ENV: endpoint, "AQKG_HOME": str(project_root())})
        return _run(port, env, host)
    if not store_exists(store_path):
        from aqkg.build.pipeline import build

        print(f"aqkg explore: no store at {store_path}: building it first", file=sys.stderr)
        summary, _ = build(store_path)
        if not summary.written:
            print("aqkg explore: the build found violations; run `aqkg build`", file=sys.stderr)
            return 1
    env = {**os.environ, STORE_ENV: str(store_path.resolve()), "AQKG_HOME": str(project_root())}
    env.pop(ENDPOINT_ENV, None)
    return _run(port, env, host)


def _run(port: int | None, env: dict[str, str], host: str) -> int:
    try:
        return subprocess.call(streamlit_command(port, host), env=env)
    except KeyboardInterrupt:
        return 0
