"""The figures of each benchmark section, kept as JSON under benchmarks/results/<mode>/.

A full run takes over an hour on two cores, so each section's figures are saved as soon as the
section ends: `run.py --section S` measures one section again and RESULTS.md is rendered from
the saved figures of every section. Every ratio stays within one section (the baseline is
always measured in the same section run as the figure set beside it), and the report says when
and at which commit each section ran.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path
from typing import Any

from workload import Latencies

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
_NOT_MEASURED = (
    ":!benchmarks/results",
    ":!benchmarks/RESULTS.md",
    ":!benchmarks/growth.png",
    ":!*.md",
)
# Dataclasses that round-trip through the JSON files, by name.
_TYPES: dict[str, type] = {"Latencies": Latencies}


def register(kind: type) -> None:
    _TYPES[kind.__name__] = kind


def _encode(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {"__type__": type(value).__name__, **asdict(value)}
    raise TypeError(f"cannot save a {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    kind = _TYPES.get(obj.get("__type__", ""))
    if kind is None:
        return obj
    names = {f.name for f in fields(kind)}
    return kind(**{k: v for k, v in obj.items() if k in names})


def save(mode: str, section: str, data: Any, minutes: float, commit: str) -> Path:
    """Keep a section's figures; `commit` is the one measured (:func:`commit` at its start)."""
    folder = RESULTS / mode
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{section}.json"
    record = {
        "section": section,
        "finished": time.strftime("%Y-%m-%d %H:%M"),
        "commit": commit,
        "minutes": minutes,
        "data": data,
    }
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(record, default=_encode, indent=1), encoding="utf-8")
    temporary.replace(path)  # a run stopped mid-write keeps the previous figures
    return path


def load(mode: str) -> dict[str, dict[str, Any]]:
    """Every saved section of a mode: name -> {finished, commit, minutes, data}."""
    folder = RESULTS / mode
    if not folder.is_dir():
        return {}
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"), object_hook=_decode)
        for path in sorted(folder.glob("*.json"))
    }


def commit() -> str:
    """HEAD, marked "+changes" when tracked files differ from it."""
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True
    )
    dirty = subprocess.run(
        # the benchmark's own outputs and the docs do not change what is measured
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", *_NOT_MEASURED],
        cwd=HERE,
        capture_output=True,
        text=True,
    )
    commit = done.stdout.strip() or "unknown"
    return commit + ("+changes" if dirty.stdout.strip() else "")
