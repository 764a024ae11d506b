"""Monitoring: sources polled for new articles, saved searches, followed passages, webhook deliveries."""

from __future__ import annotations

import datetime as dt
import secrets
import statistics

from django.conf import settings
from django.db import models
from django.utils import timezone

from search.store.models import Article


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Source(models.Model):
    """Where new articles come from: a feed, a sitemap, a list of article URLs, or one page."""

    class Kind(models.TextChoices):
        FEED = "feed", "feed (RSS or Atom)"
        SITEMAP = "sitemap", "sitemap (or sitemap index, news sitemap)"
        URLS = "urls", "list of article URLs"
        PAGE = "page", "one page"

    name = models.CharField(max_length=200, blank=True, help_text="shown in the admin; the URL's host when empty")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FEED)
    url = models.URLField(max_length=2000, blank=True, help_text="the feed, sitemap or page (not for a list of URLs)")
    urls = models.TextField(blank=True, help_text="for a list: one article URL per line")
    outlet = models.CharField(
        max_length=200, blank=True, help_text="the outlet of its articles; empty: the feed's title, else the page's site name or domain"
    )
    active = models.BooleanField(default=True)
    interval_minutes = models.PositiveIntegerField(default=30, help_text="how often to poll")
    # Health, kept by poll_sources.
    last_polled = models.DateTimeField(null=True, blank=True, editable=False)
    last_success = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    failures = models.PositiveIntegerField(default=0, editable=False)  # in a row
    feed_title = models.CharField(max_length=300, blank=True, editable=False)
    etag = models.CharField(max_length=300, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name or self.url or f"source {self.pk}"

    def is_due(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.active and (self.last_polled is None or now >= self.last_polled + dt.timedelta(minutes=self.interval_minutes))

    def articles_since(self, delta: dt.timedelta) -> int:
        return self.items.filter(status=SourceItem.Status.IMPORTED, first_seen__gte=timezone.now() - delta).count()

    def quiet(self, now: dt.datetime | None = None) -> bool:
        """A source that used to publish has published nothing for several of its usual intervals:
        no new item for three times the median gap between its recent items (at least three polls)."""
        now = now or timezone.now()
        seen = list(self.items.filter(status=SourceItem.Status.IMPORTED).order_by("-first_seen").values_list("first_seen", flat=True)[:20])
        if len(seen) < 3:
            return False
        gaps = [(a - b).total_seconds() for a, b in zip(seen, seen[1:])]
        usual = max(statistics.median(gaps), self.interval_minutes * 60.0)
        return (now - seen[0]).total_seconds() > 3 * usual


class SourceItem(models.Model):
    """One URL a source listed, and what became of it (each URL is fetched once per source)."""

    class Status(models.TextChoices):
        IMPORTED = "imported", "imported"
        UNCHANGED = "unchanged", "already in the archive"
        REJECTED = "rejected", "rejected by the importer"
        FAILED = "failed", "could not be fetched"
        FORBIDDEN = "forbidden", "forbidden by robots.txt"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="items")
    url = models.URLField(max_length=2000)
    first_seen = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="source_items")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "url"], name="source_item_url")]

    def __str__(self) -> str:
        return self.url


class SavedSearch(models.Model):
    """A user's search (the search page's query string) with its private feed and optional webhook."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=200)
    query = models.CharField(max_length=4000, blank=True, help_text="the search page's parameters, e.g. q=chechnya&outlet=BBC")
    feed_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    webhook_url = models.URLField(max_length=2000, blank=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "saved searches"

    def __str__(self) -> str:
        return self.name


class SavedSearchMatch(models.Model):
    """An article that matched a saved search when it was imported."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="matches")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    matched_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["saved_search", "article"], name="saved_search_match")]


class FollowedPassage(models.Model):
    """A shared passage a user follows: an Atom feed of the articles that carry it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_passages")
    text_key = models.CharField(max_length=32, db_index=True)  # PassageGroup.text_key: survives recomputation
    text = models.TextField()
    feed_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "text_key"], name="followed_passage")]

    def __str__(self) -> str:
        return self.text[:80]


class Delivery(models.Model):
    """A webhook POST waiting to be made (the durable queue): retried with backoff until it works."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        DELIVERED = "delivered", "delivered"
        FAILED = "failed", "gave up"

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="deliveries")
    url = models.URLField(max_length=2000)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.saved_search} -> {self.url} ({self.status})"
