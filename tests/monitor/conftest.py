from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.monitor.site import Site


@pytest.fixture
def site() -> Iterator[Site]:
    """A web site on 127.0.0.1 (a free port) for this test, stopped afterwards."""
    server = Site().start()
    yield server
    server.stop()


@pytest.fixture
def allow_private(settings):  # type: ignore[no-untyped-def]
    """NEWSINDEX_FETCH_ALLOW_PRIVATE=1 and a short per-host delay: the test site is on 127.0.0.1."""
    settings.NEWSINDEX_FETCH = {**settings.NEWSINDEX_FETCH, "ALLOW_PRIVATE": True, "DELAY": 0.05, "TIMEOUT": 3.0}
    return settings.NEWSINDEX_FETCH
