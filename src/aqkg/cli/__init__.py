"""The `aqkg` command line: one module per command group.

Public API: `main.main` (the entry point). Each group module has `add_commands(sub)`: `project`
(build, coverage, synth, import), `validate` (and `shacl`), `query`, `recognise`, `serve`
(serve, explore), `submissions` (template, ingest, publish, history, diff, rollback), `load`,
`export`; `common` holds what they share (exit codes, store options, the one-line error).
"""
