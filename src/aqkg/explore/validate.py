"""The Validate page: an upload is written to a temporary folder, validated with
`aqkg.validation.validate` (RDF) or `aqkg.submissions.sheet_report` (XLSX template, zip of template
CSVs) and the
folder deleted; plus the blank submission template to download."""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from aqkg.explore._store import ExploreError
from aqkg.sparql.results import compact
from aqkg.store.embedded import EmbeddedStore

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 50
RDF_SUFFIXES = (".ttl", ".turtle", ".nt", ".jsonld", ".json", ".rdf", ".owl", ".xml")
UPLOAD_SUFFIXES = (*RDF_SUFFIXES, ".xlsx", ".zip")


@dataclass(frozen=True)
class FindingRow:
    severity: str
    where: str
    problem: str
    fix: str
    value: str


@dataclass(frozen=True)
class RecordFindings:
    record: str
    findings: tuple[FindingRow, ...]


@dataclass(frozen=True)
class ValidationOutcome:
    name: str
    kind: str  # rdf, spreadsheet
    conforms: bool
    violations: int
    warnings: int
    records: tuple[RecordFindings, ...]
    text: str
    json: str
    country: str = ""
    checked_records: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


def validate_upload(name: str, data: bytes, context: EmbeddedStore) -> ValidationOutcome:
    """Validate one uploaded file (RDF, an XLSX template or a zip of template CSVs).

    The bytes are written to a temporary folder that is deleted before returning: nothing
    uploaded is kept. Raises ExploreError, with a one-line message naming the upload, when
    the file cannot be read at all.
    """
    safe_name = PurePosixPath(name.replace("\\", "/")).name or "upload"
    suffix = PurePosixPath(safe_name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        known = ", ".join(UPLOAD_SUFFIXES)
        raise ExploreError(f"{safe_name}: unknown file type {suffix or '(none)'}; use {known}")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ExploreError(
            f"{safe_name}: {len(data)} bytes is over the {MAX_UPLOAD_BYTES} byte upload limit"
        )
    with tempfile.TemporaryDirectory(prefix="aqkg-upload-") as folder:
        path = Path(folder) / ("upload" + suffix)
        path.write_bytes(data)
        try:
            if suffix in RDF_SUFFIXES:
                return _validate_rdf(safe_name, path, context)
            if suffix == ".zip":
                path = _unzip_csvs(safe_name, path, Path(folder) / "csv")
            return _validate_sheets(safe_name, path, context)
        except (ExploreError, MemoryError):  # a memory limit is the caller's to report
            raise
        except Exception as error:  # parse errors of every reader: one line, no paths
            message = " ".join(str(error).replace(str(path), safe_name).split())
            message = message.replace(folder, "").strip()
            raise ExploreError(_prefixed(safe_name, message)) from None


def _prefixed(name: str, message: str) -> str:
    return message if message.startswith(name) else f"{name}: {message}"


def _validate_rdf(name: str, path: Path, context: EmbeddedStore) -> ValidationOutcome:
    from aqkg.validation.report import as_json as report_json
    from aqkg.validation.report import as_text as report_text
    from aqkg.validation.validate import validate_files

    report = validate_files([path], context)
    report.checked = [name]
    records = tuple(
        RecordFindings(
            record=compact(focus) if "://" in focus else focus,
            findings=tuple(
                FindingRow(
                    severity=f.severity,
                    where=compact(f.path) if f.path and "://" in f.path else "",
                    problem=f.shape_name or f.component or "constraint not met",
                    fix=f.message,
                    value=f.value or "",
                )
                for f in findings
            ),
        )
        for focus, findings in report.by_focus().items()
    )
    return ValidationOutcome(
        name=name,
        kind="rdf",
        conforms=report.conforms,
        violations=report.violations,
        warnings=report.warnings,
        records=records,
        text=report_text(report),
        json=report_json(report),
    )


def _unzip_csvs(name: str, archive: Path, target: Path) -> Path:
    """The CSV files of a zip, flattened into `target`; sizes and counts are checked first."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [
                m
                for m in zipped.infolist()
                if not m.is_dir()
                and m.filename.lower().endswith(".csv")
                and not PurePosixPath(m.filename).name.startswith((".", "__"))
            ]
            if not members:
                raise ExploreError(f"{name}: the zip holds no .csv file of the template")
            if len(members) > MAX_ZIP_MEMBERS:
                raise ExploreError(f"{name}: more than {MAX_ZIP_MEMBERS} CSV files in the zip")
            if sum(m.file_size for m in members) > MAX_UPLOAD_BYTES:
                raise ExploreError(f"{name}: the CSV files unpack to over {MAX_UPLOAD_BYTES} bytes")
            target.mkdir()
            for member in members:
                out = target / PurePosixPath(member.filename).name
                with zipped.open(member) as source:
                    out.write_bytes(source.read(MAX_UPLOAD_BYTES + 1)[:MAX_UPLOAD_BYTES])
    except zipfile.BadZipFile:
        raise ExploreError(f"{name}: not a readable zip file") from None
    return target


def _validate_sheets(name: str, path: Path, context: EmbeddedStore) -> ValidationOutcome:
    from aqkg.submissions.sheet_report import as_json as sheet_json
    from aqkg.submissions.sheet_report import as_text as sheet_text
    from aqkg.submissions.sheet_report import validate_spreadsheet, where

    report, _ = validate_spreadsheet(path, context)
    report.checked = name
    grouped: dict[str, list[FindingRow]] = defaultdict(list)
    for f in report.sorted_findings():
        record = f"sheet {f.sheet}, row {f.row}" if f.sheet and f.row else where(f)
        grouped[record].append(
            FindingRow(
                severity=f.severity,
                where=f"column {f.column}" if f.column else "",
                problem=f.problem,
                fix=f.fix,
                value=f.value or "",
            )
        )
    return ValidationOutcome(
        name=name,
        kind="spreadsheet",
        conforms=report.conforms,
        violations=report.violations,
        warnings=report.warnings,
        records=tuple(RecordFindings(r, tuple(found)) for r, found in grouped.items()),
        text=sheet_text(report),
        json=sheet_json(report),
        country=report.country,
        checked_records=report.records,
    )


def blank_template(store: EmbeddedStore, country: str) -> bytes:
    """A blank XLSX submission template for `country`, with its drop-down lists."""
    from aqkg.intake.templates import controlled_lists, write_template

    with tempfile.TemporaryDirectory(prefix="aqkg-template-") as folder:
        out = Path(folder) / f"{country}.xlsx"
        write_template(country, out, controlled_lists(country, store))
        return out.read_bytes()


def findings_csv(outcome: ValidationOutcome) -> str:
    """Every finding as a CSV row (the download), formulas defused as the CLI writes them."""
    from aqkg.sparql.results import table_csv

    return table_csv(
        [
            {"record": r.record} | {k: v for k, v in asdict(f).items()}
            for r in outcome.records
            for f in r.findings
        ]
    )


def outcome_json(outcome: ValidationOutcome) -> str:
    """The outcome as the explorer shows it, grouped by record (the download)."""
    return json.dumps(asdict(outcome) | {"json": json.loads(outcome.json)}, indent=2)
