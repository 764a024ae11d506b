"""gunicorn's settings, read from the repository root by `make serve`, the benchmarks and the
load tests (the command line gives workers, bind and timeout)."""

from __future__ import annotations


def post_worker_init(worker) -> None:  # type: ignore[no-untyped-def]
    """Each new worker prepares the search engine in the background (the postgres engine's facet
    arrays: about a second at 200,000 articles), so its first user does not wait for it."""
    from search.index import warm_in_background

    warm_in_background()
