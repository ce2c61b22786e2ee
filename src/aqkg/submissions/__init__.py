"""A member state's submission from workbook to published, versioned graph.

Public API: `sheet_report.validate_spreadsheet` (findings placed on sheet, row and column),
`publish` (`publish`, `history`, `diff`, `rollback` on the embedded store), `publish_endpoint`
(the same against a SPARQL server), `supersede` (a published record replaces the curated one).
"""
