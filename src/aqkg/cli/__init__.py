"""The `aqkg` command line: one module per command group.

Public API: `main.main` (the entry point); `submissions` (template, publish, history, diff,
rollback), `common` (shared argument handling).
"""
