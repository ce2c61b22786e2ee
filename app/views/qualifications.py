"""Qualifications and occupations: search, filter, and one qualification in detail."""

from __future__ import annotations

import streamlit as st
from ui_common import (
    curation,
    data,
    linked_multiselect,
    linked_select,
    run_page,
    sources_markdown,
    table,
)

from aqkg import explore
from aqkg.store.embedded import EmbeddedStore


def body(store: EmbeddedStore) -> None:
    qualifications_tab, occupations_tab = st.tabs(["Qualifications", "Occupations"])
    with qualifications_tab:
        _qualifications()
    with occupations_tab:
        _occupations()


def _qualifications() -> None:
    items = data(explore.qualifications)
    if not items:
        st.info("The graph holds no qualification yet.")
        return
    text = st.text_input(
        "Search by title, code, occupation, sector or ISCO-08 code",
        key="q_search",
        placeholder="e.g. masonry, EIM, 7411, construction",
    )
    left, middle, right = st.columns(3)
    with left:
        countries = linked_multiselect(
            "Country",
            sorted({q.country for q in items}),
            key="q_countries",
            param="countries",
            what="a member state with qualifications",
        )
    with middle:
        levels = linked_multiselect(
            "AQRF level",
            [str(rank) for rank in data(explore.aqrf_level_ranks)],
            key="q_levels",
            param="aqrf",
            what="an AQRF level",
        )
    with right:
        sectors = st.multiselect(
            "Sector", sorted({s for q in items for s in q.sectors}), key="q_sectors"
        )
    found = explore.search_qualifications(items, text, countries, [int(n) for n in levels], sectors)
    st.caption(f"{len(found)} of {len(items)} qualifications")
    if levels and not found:
        st.info(
            "No qualification can be placed at an AQRF level yet: no member state's "
            "NQF-to-AQRF level pairings are published in the graph."
        )
    elif not found:
        st.info("No qualification matches: clear a filter or try a shorter search.")
    else:
        table(
            "qualifications",
            [
                {
                    "reference": q.reference,
                    "title": q.title,
                    "country": q.country,
                    "level": q.level_name,
                    "AQRF level": ", ".join(map(str, q.aqrf_levels)) or "not referenced",
                    "occupations": ", ".join(q.occupations),
                    "ISCO-08": ", ".join(q.isco_groups),
                    "sectors": ", ".join(q.sectors),
                    "units": q.units,
                    "curation": q.curation,
                }
                for q in found
            ],
            hide_index=True,
            width="stretch",
        )
    titles = {q.reference: f"{q.reference}: {q.title}" for q in items}
    chosen = linked_select(
        "Show one qualification in detail",
        [q.reference for q in found] or list(titles),
        key="q_detail",
        param="qualification",
        format_func=lambda ref: titles.get(ref, ref),
        placeholder="Choose a qualification",
        what="a qualification",
    )
    if chosen:
        _detail(chosen)


def _detail(reference: str) -> None:
    detail = data(explore.qualification_detail, reference)
    if detail is None:
        st.warning(f"No qualification {reference} in the graph.")
        return
    q = detail.summary
    st.subheader(f"{q.reference}: {q.title}")
    if q.curation == "illustrative":
        st.warning(
            "Illustrative record: a design to show how recognition works, not a real "
            "qualification's content.",
            icon=":material/warning:",
        )
    aqrf = ", ".join(map(str, q.aqrf_levels)) or "not referenced to the AQRF (no published pairing)"
    st.markdown(
        f"{curation(q.curation)}  \n"
        f"**Country:** {detail.country_name} ({q.country})  \n"
        f"**Level:** {q.level_name} of the {detail.framework_name}  \n"
        f"**AQRF level:** {aqrf}  \n"
        f"**Awarding body:** {', '.join(q.awarding_bodies) or 'not recorded'}  \n"
        f"**Based on:** {', '.join(detail.standards) or 'no standard recorded'}  \n"
        f"**Other names:** {', '.join(q.other_titles) or '—'}"
    )
    for note in (detail.scope_note, detail.editorial_note):
        if note:
            st.caption(note)
    page = explore.record_page(explore.qualification_iri(q.reference))
    if page:
        st.markdown(f"[The record of {q.reference} as linked data (HTML, Turtle, JSON-LD)]({page})")
    st.page_link(
        "views/recognition.py",
        label=f"Where is {q.reference} recognised? Open the Recognition page",
        icon=":material/route:",
        query_params={"qualification": q.reference},
    )
    st.markdown("**Occupations**")
    if detail.occupations:
        table(
            "occupations",
            [
                {
                    "occupation": o.title,
                    "ISCO-08 unit group": ", ".join(o.isco_groups) or "none recorded",
                    "linked through": ", ".join(o.via),
                }
                for o in detail.occupations
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("No occupation recorded.")
    st.markdown(f"**Competency units ({len(detail.units)})**")
    if detail.units:
        table(
            "units",
            [
                {"code": u.code, "title": u.title, "standard": u.standard, "curation": u.curation}
                for u in detail.units
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("No unit recorded.")
    st.markdown(f"**Unit mappings ({len(detail.mappings)})**")
    if detail.mappings:
        table(
            "unit-mappings",
            [
                {
                    "unit": m.unit_code,
                    "match": m.match,
                    "read": m.direction,
                    "other unit": f"{m.other_code} {m.other_title}",
                    "other standard": m.other_standard,
                    "country": m.other_country,
                    "confidence": m.confidence,
                    "curation": m.curation,
                }
                for m in detail.mappings
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("No mapping record touches these units.")
    st.markdown("**Sources**\n\n" + sources_markdown(detail.sources))


def _occupations() -> None:
    # not named `table`: that is the helper drawing one (a shadowed name broke this tab)
    links = data(explore.table, "occupations-by-isco")
    isco = st.text_input("ISCO-08 code or prefix", key="o_isco", placeholder="e.g. 71")
    records = [r for r in links.records() if r["iscoCode"].startswith(isco.strip())]
    st.caption(
        f"{len(records)} occupation links. An ISCO-08 link is a broad match made by curators, "
        "not an identity."
    )
    if records:
        table("isco-occupations", records, hide_index=True, width="stretch")
    else:
        st.info("No occupation is linked to that ISCO-08 group.")


run_page(
    "Qualifications and occupations",
    body,
    "Search qualifications by title, code, ISCO-08 group or sector; open one to see its units, "
    "level, occupations, mappings and sources.",
)
