"""Query: search parameters, facets, highlighting and results for the pages (query-text checks are in search.index.querytext)."""
