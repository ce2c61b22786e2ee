"""Arrangements and corridors: the ASEAN MRAs, the MRS corridors and their roadmap progress."""

from __future__ import annotations

import streamlit as st
from ui_common import curation, data, linked_select, run_page, table

from aqkg import explore
from aqkg.store.embedded import EmbeddedStore


def body(store: EmbeddedStore) -> None:
    states = data(explore.member_states)
    names = {s.code: s.display_name for s in states}
    country = linked_select(
        "Only arrangements this member state is party to",
        list(names),
        key="arr_country",
        param="country",
        format_func=lambda code: f"{code}: {names.get(code, code)}",
        placeholder="All member states",
        parse=str.upper,
        what="a member state",
    )
    mras = [m for m in data(explore.mras) if not country or country in m.parties]
    corridors = [c for c in data(explore.corridors) if not country or country in c.parties]
    steps = data(explore.roadmap_steps)

    st.subheader(f"ASEAN Mutual Recognition Arrangements ({len(mras)})")
    if mras:
        table(
            "mras",
            [
                {
                    "profession": ", ".join(m.professions),
                    "arrangement": m.name,
                    "signed": m.signed_date or "sources disagree or not found",
                    "where": m.signed_place,
                    "ISCO-08": ", ".join(m.isco_groups),
                    "monitoring body": m.monitoring_body,
                    "register": m.register_title or "none (host country decides)",
                    "parties": len(m.parties),
                    "curation": m.curation,
                }
                for m in mras
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.info("No MRA is recorded for this member state.")

    st.subheader(f"MRS pilot corridors ({len(corridors)})")
    if not corridors:
        st.info("No MRS corridor is recorded for this member state.")
    total = len(steps)
    for corridor in corridors:
        _corridor(corridor, total)

    st.subheader("The MRS roadmap")
    table(
        "roadmap-steps",
        [
            {
                "step": s.rank,
                "name": s.name,
                "corridors at this step": s.corridors_reached,
                "curation": s.curation,
                "note": s.note,
            }
            for s in steps
        ],
        hide_index=True,
        width="stretch",
    )


def _corridor(corridor: explore.Corridor, total_steps: int) -> None:
    with st.container(border=True):
        st.markdown(f"**{corridor.name}** {curation(corridor.curation)}")
        parties = ", ".join(f"{p} (hub)" if p == corridor.hub else p for p in corridor.parties)
        st.markdown(
            f"Parties: {parties}  \n"
            f"Occupations: {', '.join(corridor.occupations) or 'not recorded'}  \n"
            f"AQRF level scope: {', '.join(corridor.aqrf_levels) or 'not recorded'}  \n"
            f"Recognition model: {corridor.recognition_model or 'not recorded'}"
        )
        if corridor.step_rank is not None and total_steps:
            date = f" on {corridor.step_date}" if corridor.step_date else ""
            st.progress(
                min(corridor.step_rank / total_steps, 1.0),
                text=f"Roadmap step {corridor.step}{date} ({corridor.step_rank} of {total_steps})",
            )
        else:
            st.progress(0.0, text=f"Roadmap step reached: not recorded (of {total_steps})")
            if corridor.note:
                st.caption(corridor.note)


run_page(
    "Arrangements and corridors",
    body,
    "The eight ASEAN MRAs for professionals and the ILO-supported Mutual Recognition of Skills "
    "(MRS) corridors with the roadmap step each has reached.",
)
