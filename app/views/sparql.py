"""SPARQL: run a named query from the catalogue (or your own), read-only and time-limited."""

from __future__ import annotations

import streamlit as st
from ui_common import data, endpoint_url, linked_select, one_line, run_page, store_path

from aqkg import explore
from aqkg.sparql.catalogue import catalogue
from aqkg.store.embedded import EmbeddedStore

OWN_QUERY = "(write your own)"
RESULT_KEY = "sparql_result"


def body(store: EmbeddedStore) -> None:
    queries = catalogue()
    names = [OWN_QUERY, *queries]
    chosen = linked_select(
        "Query from the catalogue",
        names,
        key="sparql_query",
        param="query",
        format_func=lambda n: n if n == OWN_QUERY else f"{n} — {queries[n].summary}",
        default="frameworks" if "frameworks" in queries else OWN_QUERY,
    )
    named = queries.get(chosen or "")
    if named is not None:
        st.caption(named.description)
    text = st.text_area(
        "SPARQL (read-only)",
        value=named.text if named is not None else explore.STARTER_QUERY,
        height=320,
        key=f"sparql_text_{chosen}",
    )
    params: dict[str, str] = {}
    if named is not None and named.params:
        columns = st.columns(len(named.params))
        for column, param in zip(columns, named.params, strict=True):
            label = f"{param.name} ({param.type}{', required' if param.required else ''})"
            params[param.name] = column.text_input(
                label,
                key=f"sparql_param_{chosen}_{param.name}",
                help=param.description or None,
                placeholder="PH" if param.type == "country" else "",
            )
    page = None
    if named is not None and named.paged:
        number = st.number_input(
            f"Page ({explore.PAGE_SIZE} rows each)",
            min_value=1,
            step=1,
            key=f"sparql_page_{chosen}",
            help="A listing query is served a page at a time; the caption under the result "
            "says how many rows and pages it has.",
        )
        page = explore.page_number(int(number))
    timeout = st.slider(
        "Time limit (seconds)", 1, 30, int(explore.SPARQL_TIMEOUT_SECONDS), key="sparql_timeout"
    )
    st.caption(
        "UPDATE, LOAD, SERVICE and FROM a local file are refused; results stop at "
        f"{explore.SPARQL_MAX_ROWS:,} rows."
    )
    if st.button("Run query", type="primary", key="sparql_run"):
        st.session_state.pop(RESULT_KEY, None)
        try:
            st.session_state[RESULT_KEY] = explore.run_sparql(
                store_path(), text, params, named, float(timeout), endpoint_url(), page
            )
        except explore.ExploreError as error:
            st.error(f"Refused or failed: {one_line(error)}")
    result = st.session_state.get(RESULT_KEY)
    if isinstance(result, explore.SparqlResult):
        _show(result)
        if result.kind == "select" and not result.rows and named and explore.needs_pairings(named):
            note = data(explore.pairings_note)
            if note:
                st.info(f"Why it may be empty: {note}.")


def _show(result: explore.SparqlResult) -> None:
    if result.kind == "ask":
        st.success(f"ASK: {'true' if result.boolean else 'false'} ({result.seconds:.2f} s)")
        return
    if result.kind == "graph":
        st.caption(f"CONSTRUCT/DESCRIBE result as Turtle ({result.seconds:.2f} s)")
        st.code(result.turtle[:20_000] or "# no triples", language="turtle")
        st.download_button(
            "Download Turtle", result.turtle, "result.ttl", "text/turtle", on_click="ignore"
        )
        return
    caption = result.page_caption() or f"{len(result.rows)} row(s)"
    st.caption(f"{caption} in {result.seconds:.2f} s")
    if not result.rows:
        st.info("The query ran and returned no rows.")
    else:
        st.dataframe(
            [dict(zip(result.columns, row, strict=True)) for row in result.rows],
            hide_index=True,
            width="stretch",
        )
    left, right = st.columns(2)
    left.download_button("Download CSV", result.csv, "result.csv", "text/csv", on_click="ignore")
    right.download_button(
        "Download JSON",
        result.json,
        "result.json",
        "application/sparql-results+json",
        on_click="ignore",
    )


run_page(
    "SPARQL",
    body,
    "The named queries of the catalogue with their parameters, or your own query, over the "
    "whole graph (every named graph is the default graph).",
)
