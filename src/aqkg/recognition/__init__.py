"""The recognition engine: what a qualification held in one member state may count as in another.

Public API: `engine.recognise` and `engine.format_recognition` (the result types in `model`).
Inside: `reader` (named-query access), `resolve`, `records`, `chaining` (the chaining rule),
`coverage` (unit coverage), `candidates`, `ranking`, `certification`, `evidence`, `formatting`.
"""
