"""`aqkg serve`: the read-only SPARQL 1.1 endpoint and the REST API of the named queries over HTTP.

Public API: `server.serve`, `server.make_server` (`QueryServer`, `ServeError`); `openapi`
(the OpenAPI document generated from the catalogue); `description` (VoID at /.well-known/void,
the service description at /sparql). Queries run in `aqkg.sparql.pool`.
"""
