"""Generated documentation, checked current by the tests.

Public API: `catalogue` (`python -m aqkg.docs.catalogue`: the query catalogue page), `readme`
(`python -m aqkg.docs.readme`: the generated sections of README and docs pages), `ontology`
(`python -m aqkg.docs.ontology`: the ontology's HTML page, made with pyLODE).
"""
