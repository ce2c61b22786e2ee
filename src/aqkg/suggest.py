"""The codes a message offers instead of a wrong one: the closest first, at most a few."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

MAX_SHOWN = 10  # enough to spot a typo, short enough to read in one line


def closest_first(wrong: str, codes: Iterable[str], limit: int = MAX_SHOWN) -> str:
    """`A, B, C` (and `, ... (N in all)` when there are more): the codes most like `wrong`
    first, then the rest in order, so a one-letter typo finds its intended code at the head."""
    known = sorted(set(codes))
    likeness = {code: difflib.SequenceMatcher(None, wrong, code).ratio() for code in known}
    # alike first (ties in code order, so the listing is stable), then the rest in order
    near = sorted((c for c in known if likeness[c] >= 0.6), key=lambda c: (-likeness[c], c))
    shown = (near + [code for code in known if code not in near])[:limit]
    more = f", ... ({len(known)} in all)" if len(known) > len(shown) else ""
    return ", ".join(shown) + more
