"""`aqkg serve`: the read-only SPARQL 1.1 endpoint, the REST API of the named queries and the
linked-data pages of the graph's IRIs over HTTP (Starlette, served by uvicorn).

Public API: `server.serve`, `server.make_server` (`QueryServer`, `ServeError`, `FairUse`);
`app.create_app` (the ASGI application); `pages` (record pages); `openapi` (the OpenAPI
document generated from the catalogue); `description` (VoID at /.well-known/void, the service
description at /sparql). Queries run in `aqkg.sparql.pool`.
"""
