"""Django's admin autodiscovery looks here; the admin classes live in search.web.admin."""

from __future__ import annotations

import search.web.admin  # noqa: F401
