"""What the graph offers for download: its mappings as SSSOM, its graphs as RDF files, one
record's description (the linked-data pages), and the cached files of /downloads.

Public API: `sssom.sssom_tsv` (`MappingSetInfo`, `ExportError`), `graph.write_graph`
(`GRAPH_EXPORT_FORMATS`, `GraphExportError`).
"""
