"""The ontology's HTML documentation page (docs/ontology/index.html), generated with pyLODE.

    python -m aqkg.docs.ontology > docs/ontology/index.html

tests/test_ontology_docs.py regenerates it and fails when the committed page is out of date.
"""

from __future__ import annotations

import sys

from aqkg.exports.ontology_docs import ontology_html


def main() -> int:
    sys.stdout.write(ontology_html())
    return 0


if __name__ == "__main__":
    sys.exit(main())
