"""What the graph offers for download: its mappings as SSSOM, its graphs as RDF files, one
record's description (the linked-data pages), the cached files of /downloads, and the
ontology's HTML documentation.

Public API: `sssom.sssom_tsv` (`MappingSetInfo`, `ExportError`), `graph.write_graph`
(`GRAPH_EXPORT_FORMATS`, `GraphExportError`), `records.read_record` (`Record`, `as_rdf`,
`as_jsonld`, `context_document`), `downloads.Downloads`, `ontology_docs.ontology_html`.
"""
