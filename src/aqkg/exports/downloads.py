"""The files of /downloads, made from the store and cached in a folder beside it
(`<store>-downloads/`), made again when the store changes.

A store changes only by a build or a publish, which rewrite its files; the cache keeps the
names, sizes and modification times of the store's files it was made from (its fingerprint)
and is made afresh, in a new folder swapped in whole, when they differ.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aqkg.exports.graph import GRAPH_EXPORT_FORMATS, write_graph
from aqkg.exports.sssom import ExportError, MappingSetInfo, sssom_tsv
from aqkg.store.embedded import EmbeddedStore

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Download:
    name: str
    description: str
    media_type: str
    size: int
    made: str  # ISO 8601, UTC


# name -> (description, format): the files offered, in the order they are listed
OFFERED = {
    "aqkg-mappings.sssom.tsv": ("Every mapping record as an SSSOM mapping set", "sssom"),
    "aqkg.nq": ("The whole store, every named graph (N-Quads)", "nq"),
    "aqkg.trig": ("The whole store, every named graph (TriG)", "trig"),
    "aqkg.jsonld": ("The whole store, every named graph (JSON-LD)", "jsonld"),
    "aqkg.ttl": ("The union of every graph, each triple once (Turtle)", "ttl"),
}
SSSOM_MEDIA = "text/tab-separated-values; charset=utf-8"


class Downloads:
    """The cached files of one store; `files()` makes them when the store has changed."""

    def __init__(self, store_path: Path, base_url: str = "https://w3id.org/aqkg") -> None:
        self.store_path = store_path
        self.folder = store_path.parent / f"{store_path.name}-downloads"
        self.base_url = base_url
        self._lock = threading.Lock()

    def files(self) -> list[Download]:
        with self._lock:
            fingerprint = self._fingerprint()
            manifest = self._read_manifest()
            if manifest.get("fingerprint") != fingerprint:
                manifest = self._make(fingerprint)
            entries: list[dict[str, Any]] = manifest["files"]
            return [Download(**entry) for entry in entries]

    def path(self, name: str) -> Path | None:
        """The file of one download (made first if need be), None for a name not offered."""
        if name not in {d.name for d in self.files()}:
            return None
        return self.folder / name

    def _fingerprint(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(self.store_path.iterdir()):
            if path.is_file() and not path.name.startswith("LOG"):  # RocksDB's log is no data
                stat = path.stat()
                digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        digest.update(self.base_url.encode())
        return digest.hexdigest()

    def _read_manifest(self) -> dict[str, Any]:
        try:
            loaded = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def _make(self, fingerprint: str) -> dict[str, Any]:
        fresh = self.folder.with_name(self.folder.name + ".making")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        store = EmbeddedStore.open(self.store_path, read_only=True)
        entries = []
        for name, (description, format_name) in OFFERED.items():
            target = fresh / name
            if format_name == "sssom":
                info = MappingSetInfo(mapping_set_id=f"{self.base_url}/downloads/{name}")
                try:
                    target.write_text(sssom_tsv(store, info), encoding="utf-8")
                except ExportError:
                    continue  # a store without mapping records offers no mapping set
                media = SSSOM_MEDIA
            else:
                write_graph(store, target, format_name)
                media = GRAPH_EXPORT_FORMATS[format_name].media_type
            made = datetime.fromtimestamp(target.stat().st_mtime, UTC).isoformat(timespec="seconds")
            entries.append(
                {
                    "name": name,
                    "description": description,
                    "media_type": media,
                    "size": target.stat().st_size,
                    "made": made,
                }
            )
        manifest: dict[str, Any] = {"fingerprint": fingerprint, "files": entries}
        (fresh / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        stale = self.folder.with_name(self.folder.name + ".stale")
        shutil.rmtree(stale, ignore_errors=True)
        if self.folder.exists():
            self.folder.rename(stale)
        fresh.rename(self.folder)
        shutil.rmtree(stale, ignore_errors=True)
        return manifest
