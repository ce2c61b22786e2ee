"""Where triples live: the embedded pyoxigraph store and a SPARQL 1.1 server (Virtuoso).

Public API: `embedded.EmbeddedStore` (+ `StoreError`, `Term`, `SelectResult`),
`endpoint.EndpointStore` over `http` (digest-authenticated writes, retries), `backend.open_store`
and the `Store` protocol both satisfy, `virtuoso.LocalVirtuoso` (a throw-away server for tests).
"""
