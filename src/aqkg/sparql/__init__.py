"""Queries over a store: the named-query catalogue and everything a query needs to run safely.

Public API: `catalogue` (`NamedQuery`, `catalogue()`, `bind_params`, `run`, `run_page`,
`every_row`), `binding` (typed parameters written into the text), `paging` (a listing query's
pages and total), `results` (table, CSV, JSON output), `cache` (prepared queries),
`readonly.refusal` (UPDATE, SERVICE, `file:`), `negotiation.choose_formats`, and the killable
worker processes: `pool.QueryPool` running `jobs.Job` through `evaluation` or
`endpoint_evaluation`.
"""
