"""The aqkg explorer: `streamlit run app/main.py` (or `aqkg explore`). Reads the graph from the
embedded store at $AQKG_STORE (default .aqkg/store) through the aqkg package."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="aqkg explorer", page_icon=":material/hub:", layout="wide")

PAGES = [
    st.Page("views/overview.py", title="Overview", icon=":material/public:", default=True),
    st.Page("views/frameworks.py", title="Frameworks", icon=":material/stacked_bar_chart:"),
    st.Page(
        "views/qualifications.py",
        title="Qualifications and occupations",
        icon=":material/school:",
        url_path="qualifications",
    ),
    st.Page("views/recognition.py", title="Recognition", icon=":material/route:"),
    st.Page(
        "views/arrangements.py",
        title="Arrangements and corridors",
        icon=":material/handshake:",
        url_path="arrangements",
    ),
    st.Page("views/sparql.py", title="SPARQL", icon=":material/terminal:"),
    st.Page("views/validate.py", title="Validate", icon=":material/fact_check:"),
]

st.navigation(PAGES).run()
