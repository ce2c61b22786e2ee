"""Making the store from the project's files, and reports over what it holds.

Public API: `pipeline.build` (load, reason, check, validate), `reason` (OWL RL materialisation,
illustrative matches), `checks` (the build's query checks), `coverage` (the coverage and curation
report), `synth` (synthetic data for benchmarks).
"""
