"""SPARQL and dataset syntax, with no store behind it (the lowest layer).

Public API: `sparql_text` (token-aware edits of query text: VALUES blocks, constants, prologue
reading) and `dataset` (`Dataset`, FROM / FROM NAMED and protocol graph lists, the base IRI).
"""
