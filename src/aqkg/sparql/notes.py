"""What an answer depends on that the data may not hold, said next to the answer.

A named query tagged `needs-pairings` places qualifications or levels on the AQRF through
published NQF-to-AQRF level pairings. Where no member state publishes one, such a query returns
nothing, or blank AQRF columns, and an empty table would read as "none". The note says why.
"""

from __future__ import annotations

from collections.abc import Mapping

from aqkg.sparql.catalogue import NamedQuery, catalogue, run
from aqkg.sparql.jobs import Outcome, Success
from aqkg.sparql.results import plain
from aqkg.store.backend import Store

PAIRINGS_TAG = "needs-pairings"


def needs_pairings(query: NamedQuery) -> bool:
    return PAIRINGS_TAG in query.tags


def pairings_note(store: Store) -> str | None:
    """A sentence on which member states publish no NQF-to-AQRF level pairing, or None when
    every framework in the graph has some."""
    result = run(store, catalogue()["referencing-status"].text, {})
    at = {name: i for i, name in enumerate(result.variables)}
    published: set[str] = set()
    missing: set[str] = set()
    for row in result.rows:
        code, count = plain(row[at["code"]]), plain(row[at["levelPairings"]])
        (published if count not in ("", "0") else missing).add(code)
    missing -= published
    if not missing:
        return None
    if not published:
        return (
            "no member state's NQF-to-AQRF level pairings are published in this graph "
            "(aqkg query referencing-status shows each referencing), so nothing can be placed "
            "on an AQRF level yet: an empty answer here means 'not published', not 'none'"
        )
    return (
        f"NQF-to-AQRF level pairings are published for {', '.join(sorted(published))} only; "
        f"{', '.join(sorted(missing))} publish none, so their qualifications and levels cannot "
        "appear on an AQRF level"
    )


def pairings_note_task(store: Store, arguments: Mapping[str, str]) -> Outcome:
    """`pairings_note` as a worker task (aqkg.sparql.jobs.Task): the text, empty for none."""
    return Success("text/plain; charset=utf-8", (pairings_note(store) or "").encode("utf-8"))
