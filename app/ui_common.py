"""What every page of the explorer shares: the cached store, cached reads, deep-linked
widgets, the error guard and small display helpers. UI only: data comes from aqkg.explore."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st

from aqkg import explore
from aqkg.sparql.param_checks import ParamValueError, check_choice
from aqkg.store.backend import Store
from aqkg.store.embedded import StoreError

T = TypeVar("T")

CURATION_BADGES = {
    "verified": ":green-badge[verified]",
    "unverified": ":orange-badge[unverified]",
    "illustrative": ":red-badge[illustrative]",
}


# How long the explorer reuses what it read from a SPARQL endpoint (it cannot see a rebuild).
ENDPOINT_CACHE_SECONDS = 60


def store_path() -> Path:
    return explore.default_store_path()


def endpoint_url() -> str | None:
    """The SPARQL endpoint the explorer reads ($AQKG_ENDPOINT), or None for the embedded store."""
    return os.environ.get(explore.ENDPOINT_ENV) or None


def _stamp() -> str:
    endpoint = endpoint_url()
    if endpoint:
        return f"{endpoint}:{int(time.time() // ENDPOINT_CACHE_SECONDS)}"
    return explore.store_stamp(store_path())


@st.cache_resource(show_spinner=False, max_entries=2)
def _open_store(path: str, endpoint: str | None, stamp: str) -> Store:
    """Opened once per store version: a rebuild (new stamp) opens the new one."""
    if endpoint:
        from aqkg.sparql.endpoint_evaluation import open_endpoint

        return open_endpoint(endpoint)
    return explore.open_store(Path(path))


def current_store() -> Store:
    endpoint = endpoint_url()
    return _open_store(str(store_path()), endpoint, endpoint or _stamp())


@st.cache_data(show_spinner=False, max_entries=256)
def _call(function: str, stamp: str, args: tuple[Any, ...]) -> Any:
    return getattr(explore, function)(current_store(), *args)


def data(function: Callable[..., T], *args: Any) -> T:
    """`explore.<function>(store, *args)`, cached until the store is rebuilt (for an
    endpoint: for ENDPOINT_CACHE_SECONDS)."""
    result: T = _call(function.__name__, _stamp(), args)
    return result


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


# Streamlit draws captions faded (a 60% opacity on a grey): under WCAG's 4.5:1 for text
# (axe-core's color-contrast rule, tests/test_app_e2e.py). A solid grey reads 6.9:1 on white.
ACCESSIBLE_CSS = """
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {
  color: #585b66 !important;
  opacity: 1 !important;
}
</style>
"""


def run_page(title: str, body: Callable[[Store], None], caption: str = "") -> None:
    """Title, then the page body; never a traceback: any failure is one line of st.error."""
    st.html(ACCESSIBLE_CSS)
    st.title(title)
    if caption:
        st.caption(caption)
    try:
        store = current_store()
    except StoreError as error:
        st.error(one_line(error))
        if endpoint_url():
            st.info(f"The explorer reads the graph from {endpoint_url()}: check that it answers.")
            return
        st.info(
            "The explorer reads the graph from the embedded store. Build it with "
            "`.venv/bin/aqkg build` (a few seconds), then reload this page."
        )
        return
    try:
        body(store)
    except Exception as error:  # the user sees one line, never a traceback
        st.error(f"This page could not be shown: {one_line(error)}")


def linked_select(
    label: str,
    options: Sequence[T],
    *,
    key: str,
    param: str,
    format_func: Callable[[T], str] = str,
    default: T | None = None,
    placeholder: str | None = None,
    parse: Callable[[str], T | None] | None = None,
    what: str = "a choice of this page",
) -> T | None:
    """A selectbox whose value is also in the URL (?param=value), so a view can be linked.
    A link naming a value the graph does not hold says so (`what` names the kind of value)."""
    values = list(options)
    given = st.query_params.get(param)
    chosen = parse(given) if (parse and given is not None) else given
    if given is not None and chosen not in values:
        _refuse_link(param, str(chosen), [str(v) for v in values], what, given)
    if key not in st.session_state:
        st.session_state[key] = chosen if chosen in values else default

    def sync() -> None:
        value = st.session_state.get(key)
        if value is None:
            st.query_params.pop(param, None)
        else:
            st.query_params[param] = str(value)

    picked: T | None = st.selectbox(
        label,
        values,
        index=None,
        key=key,
        on_change=sync,
        format_func=format_func,
        placeholder=placeholder,
    )
    return picked


def linked_multiselect(
    label: str,
    options: Sequence[str],
    *,
    key: str,
    param: str,
    default: Sequence[str] = (),
    what: str = "a choice of this page",
) -> list[str]:
    """A multiselect mirrored in the URL as ?param=A,B; a value the graph does not hold is
    said, as in `linked_select`."""
    given = [v for v in (st.query_params.get(param) or "").split(",") if v]
    for value in given:
        if value not in options:
            _refuse_link(param, value, list(options), what)
    if key not in st.session_state:
        chosen = [v for v in given if v in options]
        st.session_state[key] = chosen or [v for v in default if v in options]

    def sync() -> None:
        st.query_params[param] = ",".join(st.session_state.get(key, []))

    picked: list[str] = st.multiselect(label, list(options), key=key, on_change=sync)
    return picked


def _refuse_link(
    param: str, value: str, allowed: list[str], what: str, given: str | None = None
) -> None:
    """One line under the widget: the link's value, and the values the graph holds."""
    try:
        check_choice(param, value, allowed, what, given)
    except ParamValueError as error:
        st.error(f"This link does not work: {one_line(error)}")


def curation(status: str) -> str:
    return CURATION_BADGES.get(status, f":gray-badge[{status or 'no status'}]")


def sources_markdown(sources: Sequence[explore.SourceDoc]) -> str:
    """The sources, then apart the documents an illustrative record was modelled on."""
    cited = [s for s in sources if s.role == "source"]
    models = [s for s in sources if s.role != "source"]
    text = "\n".join(_document(s) for s in cited) or "_No source recorded._"
    if models:
        text += "\n\n_Modelled on (illustrative record; not evidence):_\n\n"
        text += "\n".join(_document(s) for s in models)
    return text


def _document(s: explore.SourceDoc) -> str:
    imprint = ", ".join(p for p in (s.publisher, s.year) if p)
    return f"- [{s.title}]({s.url}) — {imprint}" if s.url else f"- {s.title} — {s.publisher}"


def table(name: str, rows: Sequence[Mapping[str, Any]], **options: Any) -> None:
    """A table, and its CSV through the project's own download (formulas defused, as the CLI
    writes them): the table widget's own export is off (client.disableDataExport)."""
    st.dataframe(rows, **options)
    if rows:
        st.download_button(
            f"Download {name} (CSV)",
            explore.table_csv(rows),
            f"{name}.csv",
            "text/csv",
            key=f"download_{name}",
            on_click="ignore",
        )


def empty_state(message: str) -> None:
    st.info(message)
