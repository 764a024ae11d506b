from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After migrate and after flush (tests): the readers and curators groups exist."""
    from django.contrib.auth.models import Group, Permission

    from search.store.access import ensure_roles

    try:
        ensure_roles(Group, Permission, using)
    except Permission.DoesNotExist:  # the auth app did not create the permissions (not installed)
        pass


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "News search"

    def ready(self) -> None:
        from newsindex import checks  # noqa: F401 (registers the deploy checks)
        from search.monitor.alerts import on_actors_found, on_articles_imported
        from search.store.signals import actors_found, articles_imported

        articles_imported.connect(on_articles_imported, dispatch_uid="monitor-saved-searches")
        actors_found.connect(on_actors_found, dispatch_uid="monitor-saved-searches-by-actor")
        post_migrate.connect(_ensure_roles, sender=self)
