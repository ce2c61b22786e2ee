"""Recognition: what a held qualification may count as in another member state, and why."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
from ui_common import curation, data, linked_select, one_line, run_page

from aqkg import explore
from aqkg.recognition.engine import (
    Candidate,
    Certification,
    Coverage,
    Everywhere,
    Recognition,
    RecognitionError,
    Source,
    Step,
    Summary,
    format_recognition,
)
from aqkg.recognition.formatting import coverage_line, hops_text
from aqkg.recognition.model import CERTIFICATION_RULE
from aqkg.store.embedded import EmbeddedStore

EVERYWHERE = "ALL"  # `?to=all` in a deep link
EVERYWHERE_LABEL = "All member states"


def body(store: EmbeddedStore) -> None:
    held_choices = data(explore.held_choices)
    countries = data(explore.country_choices)
    if not held_choices:
        st.info("The graph holds no qualification to start from.")
        return
    held_labels = {c.value: c.label for c in held_choices}
    country_labels = {c.value: c.label for c in countries}
    left, right = st.columns(2)
    with left:
        held = linked_select(
            "Qualification held",
            list(held_labels),
            key="rec_held",
            param="qualification",
            format_func=lambda ref: held_labels.get(ref, ref),
            placeholder="Choose the qualification you hold",
            what="a qualification",
            parse=lambda text: next((r for r in held_labels if r.lower() == text.lower()), text),
        )
    held_country = held.split("/", 1)[0] if held else ""
    with right:
        to = linked_select(
            "Destination country",
            [EVERYWHERE, *(c for c in country_labels if c != held_country)],
            key="rec_to",
            param="to",
            format_func=lambda code: country_labels.get(code, EVERYWHERE_LABEL),
            placeholder="Choose where you want it recognised",
            parse=str.upper,
            what="a member state other than the qualification's own",
        )
    if not held or not to:
        st.info(
            "Choose a qualification you hold and the member state where you want it "
            "recognised: the paths, their basis, unit coverage and sources appear here."
        )
        return
    try:
        if to == EVERYWHERE:
            _everywhere(data(explore.recognition_everywhere, held))
            return
        rec = data(explore.recognition, held, to)
    except RecognitionError as error:
        st.error(one_line(error))
        return
    _recognition(rec)


def _everywhere(answer: Everywhere) -> None:
    """Every other member state, best first, one plain verdict each, linking to its answer."""
    held = answer.held
    st.markdown(f"**{held.reference}** ({held.country_name}) — {held.title}")
    st.dataframe(
        [
            {
                "rank": n,
                "member state": f"{d.country_name} ({d.country})",
                "verdict": d.headline,
                "details": f"?qualification={held.reference}&to={d.country}",
            }
            for n, d in enumerate(answer.destinations, 1)
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "verdict": st.column_config.TextColumn(width="large"),
            "details": st.column_config.LinkColumn(display_text="open"),
        },
    )
    st.caption(f"Ranked: {answer.ranking_rule}.")
    st.info("This is not an official recognition decision in any of these member states.")


def _summary(summary: Summary) -> None:
    """The plain answer first: verdicts, basis, next steps, whom to ask, not a decision."""
    st.subheader("In short")
    for verdict in summary.verdicts or ():
        st.markdown(f"- {verdict.sentence}")
    if not summary.verdicts:
        st.markdown(summary.headline)
    if summary.verdicts:
        st.markdown(f"**Basis:** {summary.verdicts[0].basis}")
    st.markdown(
        "**What to do next**\n\n"
        + "\n".join(f"{n}. {s}" for n, s in enumerate(summary.next_steps, 1))
    )
    st.markdown(f"**Whom to ask:** {summary.authority_statement}")
    st.info(summary.disclaimer, icon=":material/gavel:")
    st.subheader("Details")


def _recognition(rec: Recognition) -> None:
    if rec.summary is not None:
        _summary(rec.summary)
    st.markdown(
        f"**{rec.held.reference}** ({rec.held.country_name}) — {rec.held.title} "
        f"{curation(rec.held.curation)}  \n"
        f"Level: {rec.held.level.statement}  \n"
        f"Arrangements: {rec.arrangement_statement}"
    )
    if rec.warnings:
        st.warning(
            "**This result depends on data that is not verified:**\n"
            + "\n".join(f"- {w}" for w in rec.warnings),
            icon=":material/warning:",
        )
    for note in rec.notes:
        st.info(note)
    downloads = st.columns(3)
    stem = f"recognition-{rec.held.reference.replace('/', '-')}-to-{rec.to_country}"
    downloads[0].download_button(
        "Download JSON",
        format_recognition(rec, "json"),
        file_name=f"{stem}.json",
        mime="application/json",
        on_click="ignore",
    )
    downloads[1].download_button(
        "Download CSV",
        explore.recognition_csv(rec),
        file_name=f"{stem}.csv",
        mime="text/csv",
        on_click="ignore",
    )
    downloads[2].download_button(
        "Download Markdown",
        format_recognition(rec, "markdown"),
        file_name=f"{stem}.md",
        mime="text/markdown",
        on_click="ignore",
    )
    if rec.candidates:
        st.caption(f"{len(rec.candidates)} path(s), ranked: {rec.ranking_rule}.")
    for candidate in rec.candidates:
        _candidate(rec, candidate)
    if rec.certifications:
        st.subheader("Certification paths")
        st.caption(
            f"{len(rec.certifications)} job title(s) of a regional standard the qualification "
            f"leads to, ranked: {CERTIFICATION_RULE}."
        )
    for certification in rec.certifications:
        _certification(certification)
    if not rec.candidates and not rec.certifications:
        return
    st.subheader("Sources")
    st.markdown(_documents(rec.sources) or "_No source recorded._")
    if rec.modelled_on:
        st.subheader("Modelled on (not evidence)")
        st.caption(
            "Illustrative steps cite no source: these are the documents they were modelled on."
        )
        st.markdown(_documents(rec.modelled_on))


def _documents(documents: Sequence[Source]) -> str:
    return "\n".join(
        f"- [{s.title}]({s.url}) — {', '.join(p for p in (s.publisher, s.year) if p)}"
        for s in documents
    )


def _candidate(rec: Recognition, c: Candidate) -> None:
    q = c.qualification
    with st.expander(f"{c.rank}. {q.reference} — {q.title}", expanded=c.rank == 1):
        st.markdown(f"{curation(q.curation)} **Why:** {c.why}")
        basis, covered, weakest = st.columns(3)
        basis.metric(
            "Basis",
            {"corridor": "MRS corridor", "mra": "ASEAN MRA"}.get(c.basis.kind, "AQRF level only"),
        )
        covered.metric("Units covered", f"{c.coverage.covered} of {c.coverage.total}")
        weakest.metric("Weakest link", c.coverage.weakest or "none")
        st.markdown(f"**Basis:** {c.basis.statement}")
        st.progress(c.coverage.share_covered, text=coverage_line(c.coverage))
        st.markdown(f"**Levels:** held — {rec.held.level.statement}; target — {q.level.statement}")
        for warning in c.warnings:
            st.warning(warning, icon=":material/warning:")
        st.graphviz_chart(explore.recognition_dot(rec, c), width="stretch")
        _coverage_tables("Units of the target", c.coverage)
        st.caption(
            f"Reverse (units of the held qualification covered): "
            f"{coverage_line(c.reverse_coverage)}"
        )
        _steps_table(c.steps)


def _steps_table(steps: Sequence[Step]) -> None:
    st.markdown("**Steps the path rests on**")
    st.dataframe(
        [
            {
                "step": s.kind,
                "record": s.label or s.iri,
                "curation": s.curation,
                "sources": len(s.sources),
                "modelled on": len(s.modelled_on),
            }
            for s in steps
        ],
        hide_index=True,
        width="stretch",
    )


def _certification(c: Certification) -> None:
    division = f" ({c.division})" if c.division else ""
    title = f"C{c.rank}. {c.standard_title} job title: {c.job_title_name}{division}"
    with st.expander(title, expanded=c.rank == 1):
        st.markdown(f"**Path:** {c.statement}.  \n**Why:** {c.why}")
        covered, weakest = st.columns(2)
        covered.metric("Units covered", f"{c.coverage.covered} of {c.coverage.total}")
        weakest.metric("Weakest link", c.coverage.weakest or "none")
        st.progress(c.coverage.share_covered, text=coverage_line(c.coverage))
        for warning in c.warnings:
            st.warning(warning, icon=":material/warning:")
        _coverage_tables("Units the job title requires", c.coverage)
        _steps_table(c.steps)


def _coverage_tables(title: str, cov: Coverage) -> None:
    st.markdown(f"**{title}: matched ({len(cov.matches)})**")
    if cov.matches:
        st.dataframe(
            [
                {
                    "unit": m.unit.code,
                    "title": m.unit.title,
                    "matched by": m.matched_by.code,
                    "matched by (title)": m.matched_by.title,
                    "via RMCS": m.via.code if m.via else "direct",
                    "relation": m.relation,
                    "covers": m.covers,
                    "hops": hops_text(m),
                }
                for m in cov.matches
            ],
            hide_index=True,
            width="stretch",
        )
    st.markdown(f"**{title}: missing ({len(cov.missing)})**")
    if cov.missing:
        st.dataframe(
            [
                {"unit": u.unit.code, "title": u.unit.title, "why": "; ".join(u.reasons)}
                for u in cov.missing
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("None missing.")


run_page(
    "Recognition",
    body,
    "I hold a qualification from one member state: what may it be recognised as in another, "
    "and which units am I missing?",
)
