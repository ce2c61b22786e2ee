"""Reading what comes in, before any validation: RDF files and spreadsheets, bounded.

Public API: `rdf_input` (`parse_triples`, `iter_triples`, guarded by `rdf_guards`), `templates`
(the country template and its mapping), `ingest` (a workbook or CSV folder to triples with
cell provenance, reading through `sheet_input` and `xlsx_guards`), `project_files` (the
project's own ontology, shapes and data, curated submission folders included), `esco` (the
ESCO import).
"""
