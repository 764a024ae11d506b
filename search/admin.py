"""Django's admin autodiscovery looks here; the admin classes live in search.web.admin."""

from __future__ import annotations

import search.web.admin  # noqa: F401
import search.monitor.admin  # noqa: F401,E402  (sources, saved searches, deliveries)
