"""Sources, saved searches and webhook deliveries in the admin, with each source's health."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from search.monitor.models import Delivery, SavedSearch, Source, SourceItem
from search.monitor.poll import address_problem, poll


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = ("name", "kind", "url", "urls", "outlet", "active", "interval_minutes")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        kind, url = data.get("kind"), data.get("url") or ""
        if kind != Source.Kind.URLS and not url:
            self.add_error("url", "A feed, sitemap or page needs its URL.")
        if kind == Source.Kind.URLS and not (data.get("urls") or "").strip():
            self.add_error("urls", "List at least one article URL, one per line.")
        for field, value in (("url", url), *(("urls", line.strip()) for line in str(data.get("urls") or "").splitlines())):
            if value.lower().startswith(("http://", "https://")):
                problem = address_problem(value)
                if problem:
                    self.add_error(field, problem)
                    break
        if data.get("interval_minutes") == 0:
            self.add_error("interval_minutes", "Poll at most once a minute.")
        return data


class SourceItemInline(admin.TabularInline):
    model = SourceItem
    fields = ("url", "status", "reason", "first_seen", "article")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("-first_seen",)
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[SourceItem]:
        return super().get_queryset(request).select_related("article")


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = ("__str__", "kind", "outlet_shown", "active", "interval_minutes", "last_success", "error_shown", "last_24h", "last_7d", "is_quiet")
    list_filter = ("kind", "active")
    search_fields = ("name", "url", "outlet")
    readonly_fields = ("last_polled", "last_success", "last_error", "last_error_at", "failures", "feed_title", "last_24h", "last_7d", "is_quiet")
    fieldsets = (
        (None, {"fields": ("name", "kind", "url", "urls", "outlet", "active", "interval_minutes")}),
        ("Health", {"fields": ("last_polled", "last_success", "last_error", "last_error_at", "failures", "feed_title", "last_24h", "last_7d", "is_quiet")}),
    )
    inlines = [SourceItemInline]
    actions = ["poll_now"]

    @admin.display(description="outlet")
    def outlet_shown(self, source: Source) -> str:
        return source.outlet or source.feed_title or "(site name or domain)"

    @admin.display(description="last error")
    def error_shown(self, source: Source) -> str:
        if not source.last_error or (source.last_success and source.last_error_at and source.last_success > source.last_error_at):
            return ""
        return f"{source.last_error[:120]} ({timezone.localtime(source.last_error_at):%Y-%m-%d %H:%M})" if source.last_error_at else source.last_error[:120]

    @admin.display(description="articles, 24 h")
    def last_24h(self, source: Source) -> int:
        return source.articles_since(dt.timedelta(hours=24))

    @admin.display(description="articles, 7 days")
    def last_7d(self, source: Source) -> int:
        return source.articles_since(dt.timedelta(days=7))

    @admin.display(description="quiet", boolean=True)
    def is_quiet(self, source: Source) -> bool:
        return source.quiet()

    @admin.action(description="Poll now (fetch and import what is new)")
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        from search.fetch.http import Fetcher
        from search.monitor.poll import fetch_policy

        fetcher = Fetcher(fetch_policy(from_web=True))
        try:
            report = poll(list(queryset), fetcher)
        except Exception as exc:  # noqa: BLE001 - an index held by another writer, say
            self.message_user(request, f"Polling failed: {exc}", messages.ERROR)
            return
        finally:
            fetcher.close()
        for outcome in report.outcomes:
            self.message_user(request, outcome.line(), messages.ERROR if outcome.error else messages.INFO)


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "query", "webhook_url", "created_at")
    search_fields = ("name", "query", "user__username")
    readonly_fields = ("feed_token", "created_at")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("saved_search", "url", "status", "attempts", "next_attempt_at", "last_error", "created_at")
    list_filter = ("status",)
    readonly_fields = ("saved_search", "url", "payload", "attempts", "delivered_at", "created_at", "last_error")
