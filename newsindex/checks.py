"""System checks for running several app servers (`manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def secret_key_shared(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """On PostgreSQL several app servers may serve one archive: a key generated into one machine's
    data folder differs on every server, so sessions and logins (anything Django signs) made by
    one server are refused by the others."""
    postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    if postgres and getattr(settings, "SECRET_KEY_FILE", None):
        return [
            Warning(
                f"SECRET_KEY is read from {settings.SECRET_KEY_FILE}, a key generated on this machine.",
                hint="Set SECRET_KEY to the same value on every app server of this database.",
                id="newsindex.W001",
            )
        ]
    return []
