"""What the Streamlit explorer (app/) reads, as plain dataclasses; and `launch` to start it.

Public API: the names re-exported below (`__all__`), one group per page of the app.

Every read goes through a named query (queries/*.rq, the explorer's own are explore-*.rq) bound
with typed parameters, so the app holds no SPARQL. Results are frozen dataclasses of strings,
ints and tuples: cheap to cache, safe to pickle, easy to assert on in tests. The few pure
helpers that turn them into something to draw (Graphviz DOT, ladder chart points, CSV) live
here too, so they are typed and tested once.

This package only re-exports what the app uses; each page's data lives in its own module:
_store (the store and named-query reads), _text (value conversions), labels, overview,
frameworks, qualification_records, recognition_paths, arrangements, sparql, validate and
launcher.
"""

from aqkg.explore._store import (
    STORE_ENV,
    ExploreError,
    default_store_path,
    open_store,
    record_page,
    store_built_at,
    store_stamp,
    table,
)
from aqkg.explore.arrangements import Corridor, corridors, mras, roadmap_steps
from aqkg.explore.frameworks import (
    AQRF_LEVEL,
    PLACED_BY_PAIRING,
    PLACED_BY_RANK,
    Framework,
    Level,
    Pairing,
    aqrf_level_ranks,
    framework,
    framework_choices,
    ladder_points,
)
from aqkg.explore.labels import SourceDoc, labelled
from aqkg.explore.launcher import ENDPOINT_ENV, launch, streamlit_command
from aqkg.explore.overview import (
    CurationRow,
    corridor_links,
    corridor_rows,
    counts,
    curation_report,
    member_states,
    network_dot,
)
from aqkg.explore.qualification_records import (
    qualification_detail,
    qualification_iri,
    qualifications,
    search_qualifications,
)
from aqkg.explore.recognition_paths import (
    RECOGNITION_CSV_COLUMNS,
    country_choices,
    held_choices,
    recognition,
    recognition_csv,
    recognition_dot,
    recognition_everywhere,
)
from aqkg.explore.sparql import (
    PAGE_SIZE,
    SPARQL_MAX_ROWS,
    SPARQL_TIMEOUT_SECONDS,
    STARTER_QUERY,
    SparqlResult,
    needs_pairings,
    page_number,
    pairings_note,
    run_sparql,
    sparql_refusal,
)
from aqkg.explore.upload_worker import validate_in_worker
from aqkg.explore.validate import (
    MAX_UPLOAD_BYTES,
    UPLOAD_SUFFIXES,
    FindingRow,
    RecordFindings,
    ValidationOutcome,
    blank_template,
    findings_csv,
    outcome_json,
    validate_upload,
)
from aqkg.sparql.results import table_csv

__all__ = [
    "AQRF_LEVEL",
    "ENDPOINT_ENV",
    "MAX_UPLOAD_BYTES",
    "PAGE_SIZE",
    "PLACED_BY_PAIRING",
    "PLACED_BY_RANK",
    "RECOGNITION_CSV_COLUMNS",
    "SPARQL_MAX_ROWS",
    "SPARQL_TIMEOUT_SECONDS",
    "STARTER_QUERY",
    "STORE_ENV",
    "UPLOAD_SUFFIXES",
    "Corridor",
    "CurationRow",
    "ExploreError",
    "FindingRow",
    "Framework",
    "Level",
    "Pairing",
    "RecordFindings",
    "SourceDoc",
    "SparqlResult",
    "ValidationOutcome",
    "aqrf_level_ranks",
    "blank_template",
    "corridor_links",
    "corridor_rows",
    "corridors",
    "country_choices",
    "counts",
    "curation_report",
    "default_store_path",
    "findings_csv",
    "framework",
    "framework_choices",
    "held_choices",
    "labelled",
    "ladder_points",
    "launch",
    "member_states",
    "mras",
    "needs_pairings",
    "network_dot",
    "open_store",
    "outcome_json",
    "page_number",
    "pairings_note",
    "qualification_detail",
    "qualification_iri",
    "qualifications",
    "recognition",
    "recognition_csv",
    "recognition_dot",
    "recognition_everywhere",
    "record_page",
    "roadmap_steps",
    "run_sparql",
    "search_qualifications",
    "sparql_refusal",
    "store_built_at",
    "store_stamp",
    "streamlit_command",
    "table",
    "table_csv",
    "validate_in_worker",
    "validate_upload",
]
