"""Frameworks: national levels side by side against the AQRF, descriptors, referencing."""

from __future__ import annotations

import altair as alt
import streamlit as st
from ui_common import curation, data, linked_multiselect, run_page, sources_markdown, table

from aqkg import explore
from aqkg.store.embedded import EmbeddedStore

DEFAULT_COUNTRIES = ("PH", "MY", "VN")


def body(store: EmbeddedStore) -> None:
    choices = data(explore.framework_choices)
    aqrf = next((c for c in choices if c.code == "ASEAN"), None)
    national = [c for c in choices if c.code != "ASEAN"]
    if aqrf is None or not national:
        st.info("The graph holds no frameworks yet: check that the build loaded data/.")
        return
    names = {c.code: f"{c.code}: {c.name}" for c in national}
    picked = linked_multiselect(
        "Member states to compare with the AQRF",
        [c.code for c in national],
        key="fw_countries",
        param="countries",
        default=DEFAULT_COUNTRIES,
        what="a member state with a framework",
    )
    st.caption(", ".join(names[code] for code in picked) or "Pick one or more member states.")
    iris = [aqrf.iri] + [c.iri for c in national if c.code in picked]
    frameworks = [data(explore.framework, iri) for iri in iris]
    points = explore.ladder_points(frameworks)

    st.subheader("Levels against the AQRF")
    st.altair_chart(_ladder(points), width="stretch")
    unpaired = [f.short_name for f in frameworks[1:] if not any(lv.pairings for lv in f.levels)]
    if unpaired:
        st.caption(
            f"No NQF-to-AQRF level pairing is published for {', '.join(unpaired)}: their levels "
            "stand at their own rank (grey), which is not a referencing. Hover a level "
            "for its descriptors."
        )
    table("frameworks", _side_by_side(frameworks), hide_index=True, width="stretch")

    for fw in frameworks:
        _framework_details(fw)


def _ladder(points: list[dict[str, str | int]]) -> alt.LayerChart:
    order = [str(p["framework"]) for p in sorted(points, key=lambda p: int(p["order"]))]
    x = alt.X(
        "framework:N", sort=list(dict.fromkeys(order)), title=None, axis=alt.Axis(labelAngle=0)
    )
    top = max([8, *(int(p["height"]) for p in points)])
    base = alt.Chart(alt.Data(values=points)).encode(x=x)
    bars = base.mark_bar(cornerRadius=3, opacity=0.9).encode(
        y=alt.Y(
            "low:Q",
            title="AQRF level",
            scale=alt.Scale(domain=[0.5, top + 0.5]),
            axis=alt.Axis(values=list(range(1, top + 1)), grid=False),
        ),
        y2="high:Q",
        color=alt.Color(
            "placed:N",
            title="placed",
            scale=alt.Scale(
                domain=[explore.AQRF_LEVEL, explore.PLACED_BY_PAIRING, explore.PLACED_BY_RANK],
                range=["#4a6fa5", "#2e7d32", "#c9c9c9"],
            ),
            legend=alt.Legend(orient="bottom", labelLimit=400),
        ),
        tooltip=["framework:N", "level:N", "pairing:N", "descriptors:N", "curation:N"],
    )
    labels = base.mark_text(fontSize=10).encode(y=alt.Y("height:Q"), text="level:N")
    return (
        (bars + labels)
        .transform_calculate(low="datum.height - 0.42", high="datum.height + 0.42")
        .properties(height=420)
    )


def _side_by_side(frameworks: list[explore.Framework]) -> list[dict[str, str]]:
    """One row per height (AQRF level), one column per framework."""
    points = explore.ladder_points(frameworks)
    heights = sorted({int(p["height"]) for p in points})
    table = []
    for height in heights:
        row = {"AQRF level": str(height)}
        for fw in frameworks:
            here = [
                str(p["level"]) + ("" if p["placed"] != explore.PLACED_BY_RANK else " (own rank)")
                for p in points
                if p["framework"] == fw.short_name and int(p["height"]) == height
            ]
            row[fw.short_name] = ", ".join(here)
        table.append(row)
    return table


def _framework_details(fw: explore.Framework) -> None:
    title = explore.labelled(fw.name, fw.local_names)
    with st.expander(f"{fw.short_name} — {title}: {len(fw.levels)} levels", expanded=fw.is_aqrf):
        st.markdown(
            f"**{fw.name}** ({fw.acronym or fw.code}) {curation(fw.curation)}  \n"
            + (f"Status: {fw.status}  \n" if fw.status else "")
            + (f"Responsible body: {fw.responsible_body}  \n" if fw.responsible_body else "")
            + (f"Legal basis: {fw.legal_basis}  \n" if fw.legal_basis else "")
        )
        if fw.scope_note:
            st.caption(fw.scope_note)
        if not fw.is_aqrf:
            _referencing(fw)
        st.markdown("**Levels and descriptors**")
        table(
            f"levels-{fw.code}",
            [
                {
                    "rank": lv.rank,
                    "level": explore.labelled(lv.name, lv.local_names),
                    "descriptors": "\n".join(f"{d.domain}: {d.text}" for d in lv.descriptors)
                    or lv.scope_note,
                    "AQRF pairing": ", ".join(f"{p.aqrf_rank} ({p.match})" for p in lv.pairings),
                    "curation": lv.curation,
                }
                for lv in fw.levels
            ],
            hide_index=True,
            width="stretch",
        )
        if any(d.curation == "unverified" for lv in fw.levels for d in lv.descriptors):
            st.warning(
                "These descriptor texts are unverified paraphrases, not the official wording.",
                icon=":material/warning:",
            )
        st.markdown("**Sources**\n\n" + sources_markdown(fw.sources))


def _referencing(fw: explore.Framework) -> None:
    if not fw.referencing:
        st.markdown("AQRF referencing: _no referencing record_.")
        return
    # a full date is "on" a day; a month or year alone (xsd:gYearMonth, xsd:gYear) is "in" it
    on = "on" if len(fw.status_date) == 10 else "in"
    date = f" {on} {fw.status_date}" if fw.status_date else ""
    pairings = sum(len(lv.pairings) for lv in fw.levels)
    st.markdown(
        f"AQRF referencing: **{fw.referencing_status}{date}**; {pairings} level pairing(s) "
        "recorded."
    )
    if fw.referencing_note:
        st.caption(fw.referencing_note)
    st.markdown("**Referencing report and sources**\n\n" + sources_markdown(fw.referencing_sources))


run_page(
    "Frameworks",
    body,
    "National qualifications frameworks side by side against the 8-level ASEAN Qualifications "
    "Reference Framework (AQRF).",
)
