"""Validate: check a submission (RDF or a filled template) against the shapes; nothing is kept."""

from __future__ import annotations

import streamlit as st
from ui_common import data, endpoint_url, one_line, run_page, store_path

from aqkg import explore
from aqkg.store.embedded import EmbeddedStore

MAX_MB = explore.MAX_UPLOAD_BYTES // (1024 * 1024)


def body(store: EmbeddedStore) -> None:
    st.markdown(
        "Upload **Turtle, JSON-LD, N-Triples or RDF/XML**, a filled **XLSX template**, or a "
        f"**zip of the template's CSV files** (at most {MAX_MB} MB). It is checked against the "
        "shapes together with what the graph already holds, as `aqkg validate` does. The file "
        "is read in a temporary folder and deleted: nothing uploaded is stored."
    )
    upload = st.file_uploader(
        "Submission",
        type=[s.lstrip(".") for s in explore.UPLOAD_SUFFIXES],
        key="validate_upload",
        max_upload_size=MAX_MB,
    )
    if upload is None:
        st.info("No file yet: upload a submission, or start from a blank template below.")
        _template_download(store)
        return
    with st.spinner("Validating…"):
        try:
            if endpoint_url():  # the worker opens the embedded store; an endpoint stays here
                outcome = explore.validate_upload(upload.name, upload.getvalue(), store)
            else:
                outcome = explore.validate_in_worker(upload.name, upload.getvalue(), store_path())
        except explore.ExploreError as error:
            st.error(one_line(error))
            return
    _report(outcome)


def _template_download(store: EmbeddedStore) -> None:
    states = data(explore.member_states)
    left, right = st.columns([2, 1])
    country = left.selectbox(
        "Blank XLSX template for",
        [s.code for s in states],
        format_func=lambda code: next(s.display_name for s in states if s.code == code),
        key="validate_template_country",
    )
    if country:
        right.download_button(
            "Download blank template",
            data(explore.blank_template, country),
            f"aqkg-template-{country}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click="ignore",
        )


def _report(outcome: explore.ValidationOutcome) -> None:
    verdict = f"{outcome.violations} violation(s), {outcome.warnings} warning(s)" + (
        f"; {outcome.checked_records} record(s) for {outcome.country}" if outcome.country else ""
    )
    if outcome.conforms:
        st.success(f"{outcome.name} conforms: {verdict}.")
    else:
        st.error(f"{outcome.name} does not conform: {verdict}.")
    left, middle, right = st.columns(3)
    middle.download_button(
        "Download findings (CSV)",
        explore.findings_csv(outcome),
        f"{outcome.name}.findings.csv",
        "text/csv",
        on_click="ignore",
    )
    left.download_button(
        "Download report (JSON)",
        explore.outcome_json(outcome),
        f"{outcome.name}.report.json",
        "application/json",
        on_click="ignore",
    )
    right.download_button(
        "Download report (text)",
        outcome.text,
        f"{outcome.name}.report.txt",
        "text/plain",
        on_click="ignore",
    )
    if not outcome.records:
        st.caption("No finding.")
        return
    st.subheader(f"Findings by record ({len(outcome.records)})")
    for record in outcome.records:
        violations = sum(1 for f in record.findings if f.severity == "Violation")
        with st.expander(
            f"{record.record} — {len(record.findings)} finding(s)", expanded=violations > 0
        ):
            st.dataframe(
                [
                    {
                        "severity": f.severity,
                        "where": f.where,
                        "problem": f.problem,
                        "how to fix": f.fix,
                        "value": f.value,
                    }
                    for f in record.findings
                ],
                hide_index=True,
                width="stretch",
            )


run_page(
    "Validate",
    body,
    "Check a country submission against the SHACL shapes before sending it.",
)
