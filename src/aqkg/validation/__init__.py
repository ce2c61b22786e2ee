"""SHACL validation of data against the project's shapes, in the context of the store.

Public API: `validate` (`validate_files`, `validate_triples`, `validate_data_graphs`), `report`
(`Finding`, `Report` and their text/JSON/Turtle forms), `ownership` (which records a country's
submission may describe), and the engines: `shapes` (loading, pySHACL) and the compiled
engine, `compile` (shapes to SPARQL checks), `engine` (running them), `values` (literal tests).
"""
