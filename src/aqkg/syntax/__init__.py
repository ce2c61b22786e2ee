"""SPARQL and dataset syntax, with no store behind it (the lowest layer).

Public API: `prefixes` (the predeclared prefixes, `with_prefixes`, `prefixed_name`),
`sparql_text` (token-aware edits of query text: VALUES blocks, constants, prologue reading) and
`dataset` (`Dataset`, FROM / FROM NAMED and protocol graph lists, the base IRI).
"""
