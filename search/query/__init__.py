"""Query: search parameters, query-syntax checks, highlighting and (later) facets."""
