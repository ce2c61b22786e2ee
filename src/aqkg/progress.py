"""Progress bars for long operations: on a terminal only, quiet in CI and in pipes."""

from __future__ import annotations

import os
import sys

from tqdm import tqdm


def wanted() -> bool:
    """A bar helps a person at a terminal; in CI or a pipe it only adds noise to the log."""
    return sys.stderr.isatty() and not os.environ.get("CI") and not os.environ.get("AQKG_QUIET")


def bar(total: int | None, desc: str, unit: str = "step") -> tqdm:
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        disable=not wanted(),
        file=sys.stderr,
        leave=False,
        unit_scale=unit != "step",
    )
