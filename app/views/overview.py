"""Overview: the eleven member states at a glance, counts, last update, the corridor network."""

from __future__ import annotations

import streamlit as st
from ui_common import data, endpoint_url, run_page, store_path

from aqkg import explore
from aqkg.store.embedded import EmbeddedStore


def body(store: EmbeddedStore) -> None:
    counts = data(explore.counts)
    states = data(explore.member_states)
    built = None if endpoint_url() else explore.store_built_at(store_path())
    columns = st.columns(7)
    metrics = [
        ("Member states", counts.member_states),
        ("Frameworks", counts.frameworks),
        ("Qualifications", counts.qualifications),
        ("Competency units", counts.units),
        ("Unit mappings", counts.mappings),
        ("MRAs", counts.mras),
        ("MRS corridors", counts.corridors),
    ]
    for column, (label, value) in zip(columns, metrics, strict=True):
        column.metric(label, value)
    built_text = built.strftime("%Y-%m-%d %H:%M UTC") if built else "unknown"
    st.caption(
        f"Last data update: store built {built_text}; latest date recorded in the data "
        f"{counts.latest_date or 'none'}. {counts.sources} source documents, "
        f"{counts.triples:,} asserted triples."
    )

    st.subheader("Member states")
    if not states:
        st.info("The graph holds no member states: check that the build loaded data/vocab.")
        return
    st.dataframe(
        [
            {
                "state": s.code,
                "name": s.display_name,
                "NQF": s.acronym or s.framework_name,
                "framework": s.framework_status.removeprefix("framework "),
                "levels": str(s.stated_levels) if s.stated_levels else "not stated",
                "AQRF referencing": (s.referencing_status or "no record").removeprefix(
                    "referencing "
                ),
                "since": s.status_date,
                "level pairings": s.level_pairings,
                "MRAs": s.mras,
                "MRS corridors": s.corridors,
                "qualifications": s.qualifications,
            }
            for s in states
        ],
        hide_index=True,
        width="stretch",
        # narrow numbers, so the words keep their room (every column fits at 1280 px)
        column_config={
            "state": st.column_config.TextColumn(width="small"),
            "name": st.column_config.TextColumn(width="medium"),
            "NQF": st.column_config.TextColumn(
                width="small", help="the framework's acronym (its full name on Frameworks)"
            ),
            "levels": st.column_config.TextColumn(width="small"),
            "since": st.column_config.TextColumn(width="small", help="date of the status"),
            **{
                name: st.column_config.NumberColumn(width="small")
                for name in ("level pairings", "MRAs", "MRS corridors", "qualifications")
            },
        },
    )
    endorsed = [s.code for s in states if s.referencing_status == "referencing endorsed"]
    st.caption(
        f"Referencing endorsed: {', '.join(endorsed) or 'none'}. A blank status date means no "
        "source gives the exact day; 0 level pairings on an endorsed referencing means the "
        "pairings are not published or not yet encoded."
    )

    st.subheader("Curation report")
    report = data(explore.curation_report)
    st.dataframe(
        [
            {
                "state": r.state,
                "kind of record": r.kind,
                "records": r.records,
                "verified": r.verified,
                "unverified": r.unverified,
                "illustrative": r.illustrative,
                "failing no rule": r.failing_no_rule,
            }
            for r in report
        ],
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Verified: every fact stated by a source; unverified: real, but resting on one secondary "
        "source, a judgement or sources that disagree; illustrative: made up to show the "
        "structure, never evidence. 'Failing no rule' counts the records that break no shape "
        "and no curation rule (docs/curation.md). ASEAN rows are the regional records: the "
        "AQRF, the RMCS and the ACCSTP of the MRA on Tourism Professionals."
    )

    st.subheader("MRS corridors between member states")
    links = data(explore.corridor_links)
    if not links:
        st.info("No MRS corridor is recorded yet.")
    else:
        st.graphviz_chart(explore.network_dot(states, links), width="stretch")
        # the drawing's text alternative, and the names its lines leave out so they cannot
        # overlap: one row per corridor
        st.dataframe(
            explore.corridor_rows(links), hide_index=True, width="stretch", key="corridor_table"
        )
        st.caption(
            "Each line is one MRS pilot corridor (a hub-and-spoke corridor links its hub with "
            "each other party only). Green: AQRF referencing endorsed; yellow: in progress or "
            "draft submitted; grey: unknown. Every member state is party to all "
            f"{counts.mras} ASEAN MRAs, which are not drawn."
            if all(s.mras == counts.mras for s in states)
            else "Each line is one MRS pilot corridor."
        )


run_page(
    "ASEAN qualifications and their recognition",
    body,
    "The eleven member states, their national qualifications frameworks, AQRF referencing, "
    "MRAs and MRS corridors, fact by sourced fact.",
)
