"""Curation checks the build runs over the whole store, after reasoning.

The SHACL shapes see the data files as one graph; two curation rules need more: which file says
what (a record curated in one file and re-described in another) and what the reasoner derives
(a derived triple joining a real record to an illustrative one). Each is a query in
queries/qc/ tagged `build` that returns `?focus ?message` rows, zero on good data; every row is a
violation in the build's report.
"""

from __future__ import annotations

from pathlib import Path

from aqkg.paths import queries_dir
from aqkg.sparql.catalogue import read_query
from aqkg.sparql.results import plain
from aqkg.store.embedded import EmbeddedStore
from aqkg.validation.report import Finding


def build_check_queries() -> list[Path]:
    """The qc queries the build runs (tag `build`), in name order."""
    paths = sorted((queries_dir() / "qc").glob("*-violation.rq"))
    return [path for path in paths if "build" in read_query(path).tags]


def build_check_findings(store: EmbeddedStore) -> list[Finding]:
    """One violation per row of every build check."""
    findings = []
    for path in build_check_queries():
        query = read_query(path)
        result = store.select(query.text)
        for row in result.rows:
            values = dict(zip(result.variables, row, strict=True))
            findings.append(
                Finding(
                    focus=plain(values["focus"]),
                    severity="Violation",
                    message=plain(values["message"]),
                    shape=f"queries/qc/{path.name}",
                    shape_name=query.summary,
                )
            )
    return findings
