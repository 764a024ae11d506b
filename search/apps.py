from __future__ import annotations

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "News search"

    def ready(self) -> None:
        from newsindex import checks  # noqa: F401 (registers the deploy checks)
        from search.monitor.alerts import on_articles_imported
        from search.store.signals import articles_imported

        articles_imported.connect(on_articles_imported, dispatch_uid="monitor-saved-searches")
