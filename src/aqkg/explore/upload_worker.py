"""The Validate page's uploads, validated in a process of their own: one process per upload,
its address space limited, killed once it has answered, so whatever an upload makes the
reader allocate is given back to the system and never reaches the Streamlit process that
serves every other user (as the SPARQL page's query worker keeps queries out of it).

Before: a 171 KB workbook took the Streamlit process to 4.3 GB, a second upload to 8.3 GB,
held after both browsers closed. The readers are bounded now (aqkg.intake.sheet_input,
aqkg.intake.xlsx_guards, aqkg.intake.rdf_input); the limit here is the backstop for what they miss.
"""

from __future__ import annotations

import multiprocessing
import resource
from multiprocessing.connection import Connection
from pathlib import Path

from aqkg.explore._store import ExploreError
from aqkg.explore.validate import ValidationOutcome, validate_upload

# Address space, not resident memory: thread stacks, allocator arenas and the store's reserved
# mappings count too. Validating the whole graph's data takes ~400 MB resident; at 1 GB the
# worker aborted now and then (a panic in the store's native code) on a 1 KB broken upload on a
# loaded machine, so the backstop sits at 2 GB, still far below the 4-12 GB the hostile uploads
# reached.
UPLOAD_MEMORY_BYTES = 2 << 30
UPLOAD_TIMEOUT_SECONDS = 60.0


def validate_in_worker(
    name: str,
    data: bytes,
    store_path: Path,
    *,
    memory_bytes: int = UPLOAD_MEMORY_BYTES,
    timeout_seconds: float = UPLOAD_TIMEOUT_SECONDS,
) -> ValidationOutcome:
    """`validate_upload` against the store at `store_path`, in a process limited to
    `memory_bytes` and `timeout_seconds`; raises ExploreError (one line) as it does, or when a
    limit stops it."""
    # spawn: the Streamlit server is multi-threaded, and forking a threaded process is unsafe
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_main,
        args=(sender, name, data, str(store_path), memory_bytes),
        name="aqkg-upload-validation",
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout_seconds):
            raise ExploreError(
                f"{name}: validation stopped after {timeout_seconds:g} s (the time limit); "
                "split the file and validate the parts"
            )
        kind, answer = receiver.recv()
    except (EOFError, OSError):
        raise ExploreError(_over_memory(name, memory_bytes)) from None
    finally:
        process.kill()
        process.join(timeout=5)
        receiver.close()
    if kind == "error":
        raise ExploreError(str(answer))
    assert isinstance(answer, ValidationOutcome)
    return answer


def _over_memory(name: str, memory_bytes: int) -> str:
    return (
        f"{name}: validation stopped: it needed over {memory_bytes >> 20} MB (the limit); "
        "split the file and validate the parts"
    )


def _main(sender: Connection, name: str, data: bytes, store_path: str, memory_bytes: int) -> None:
    """The worker: limit the address space, open the store read-only, validate, answer."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    from aqkg.store.embedded import EmbeddedStore, StoreError

    try:
        outcome = validate_upload(name, data, EmbeddedStore.open(Path(store_path)))
        sender.send(("ok", outcome))
    except ExploreError as error:
        sender.send(("error", str(error)))
    except StoreError as error:
        sender.send(("error", " ".join(str(error).split())))
    except MemoryError:
        sender.send(("error", _over_memory(name, memory_bytes)))
    finally:
        sender.close()
