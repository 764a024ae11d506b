"""Saved searches (/saved/), their private Atom feeds, and followed passages.

A saved search is the search page's query string. /saved/ lists a user's searches with the number
of matches found at import since they last opened each one; opening it goes to the search page.
Each search and each followed passage has an Atom feed at a URL holding a secret token (no login
needed, so a feed reader or Slack can follow it); a new token revokes the old URL. The JSON
list, /api/saved, is in search/web/api_monitor.py.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_safe, require_POST

from search.monitor.poll import address_problem
from search.monitor.alerts import saved_params
from search.monitor.models import FollowedPassage, SavedSearch, SavedSearchMatch, new_token
from search.query.params import SearchParams
from search.query.results import run_search
from search.store.models import Article, PassageGroup, PassageMember

FEED_ENTRIES = 50


def canonical_query(raw: str) -> str:
    """The search page's parameters in their canonical order, without the page number."""
    return urlencode(SearchParams.from_query(QueryDict(raw.lstrip("?"))).to_pairs(page=False))


def with_counts(user: object) -> list[SavedSearch]:
    return list(
        SavedSearch.objects.filter(user=user).annotate(
            new_matches=Count("matches", filter=Q(matches__matched_at__gt=F("last_seen_at")))
        )
    )


def _webhook_problem(url: str) -> str | None:
    if url and not url.lower().startswith(("http://", "https://")):
        return "The webhook must be an http(s) URL."
    return address_problem(url)


@login_required
def saved_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        name = " ".join(request.POST.get("name", "").split())[:200]
        query = canonical_query(request.POST.get("query", ""))
        webhook = request.POST.get("webhook_url", "").strip()[:2000]
        problem = _webhook_problem(webhook)
        if not name:
            messages.error(request, "Give the search a name.")
        elif problem:
            messages.error(request, problem)
        else:
            SavedSearch.objects.create(user=request.user, name=name, query=query, webhook_url=webhook)
            messages.success(request, f"Saved “{name}”. New matches are counted here from now on.")
        return HttpResponseRedirect(reverse("search:saved"))
    return render(
        request,
        "search/saved.html",
        {
            "searches": with_counts(request.user),
            "followed": FollowedPassage.objects.filter(user=request.user).order_by("-created_at"),
        },
    )


@login_required
@require_safe
def saved_new(request: HttpRequest) -> HttpResponse:
    """The search page's "Save this search" lands here (through the login page when needed)."""
    return render(
        request,
        "search/saved_new.html",
        {"query": canonical_query(request.GET.get("query", "")), "name": " ".join(request.GET.get("name", "").split())[:200]},
    )


@login_required
@require_safe
def saved_open(request: HttpRequest, saved_id: int) -> HttpResponse:
    """Mark the search as looked at (its new-match count goes back to 0) and show its results."""
    saved = get_object_or_404(SavedSearch, pk=saved_id, user=request.user)
    saved.last_seen_at = timezone.now()
    saved.save(update_fields=["last_seen_at"])
    return HttpResponseRedirect(reverse("search:search") + (f"?{saved.query}" if saved.query else ""))


@login_required
@require_POST
def saved_edit(request: HttpRequest, saved_id: int) -> HttpResponse:
    saved = get_object_or_404(SavedSearch, pk=saved_id, user=request.user)
    webhook = request.POST.get("webhook_url", saved.webhook_url).strip()[:2000]
    problem = _webhook_problem(webhook)
    if problem:
        messages.error(request, problem)
    else:
        saved.name = " ".join(request.POST.get("name", saved.name).split())[:200] or saved.name
        saved.webhook_url = webhook
        saved.save(update_fields=["name", "webhook_url"])
    return HttpResponseRedirect(reverse("search:saved"))


@login_required
@require_POST
def saved_delete(request: HttpRequest, saved_id: int) -> HttpResponse:
    get_object_or_404(SavedSearch, pk=saved_id, user=request.user).delete()
    return HttpResponseRedirect(reverse("search:saved"))


@login_required
@require_POST
def saved_new_token(request: HttpRequest, saved_id: int) -> HttpResponse:
    """A new secret for the feed URL: the old URL stops working at once."""
    if request.POST.get("kind") == "passage":
        followed = get_object_or_404(FollowedPassage, pk=saved_id, user=request.user)
        followed.feed_token = new_token()
        followed.save(update_fields=["feed_token"])
    else:
        saved = get_object_or_404(SavedSearch, pk=saved_id, user=request.user)
        saved.feed_token = new_token()
        saved.save(update_fields=["feed_token"])
    messages.success(request, "A new feed address was made; the old one no longer works.")
    return HttpResponseRedirect(reverse("search:saved"))


# --- Atom feeds ----------------------------------------------------------------------------------


def _feed(request: HttpRequest, title: str, link: str, description: str, articles: list[tuple[Article, object]]) -> HttpResponse:
    feed = Atom1Feed(title=title, link=request.build_absolute_uri(link), description=description, language="en")
    for article, updated in articles:
        url = request.build_absolute_uri(reverse("search:article", args=[article.pk]))
        feed.add_item(
            title=article.title,
            link=url,
            description=f"{article.outlet_name or 'Unknown outlet'}, {article.published or 'undated'}",
            unique_id=url,
            updateddate=updated,
            pubdate=updated,
            author_name=article.outlet_name or None,
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def saved_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Newest matches of a saved search: those found at import (newest first), then, while there are
    fewer than FEED_ENTRIES, the newest articles the search finds now."""
    saved = SavedSearch.objects.filter(feed_token=token).first()
    if saved is None:
        raise Http404("No such feed (its address may have been replaced)")
    matches = list(
        SavedSearchMatch.objects.filter(saved_search=saved, article__hidden=False)
        .select_related("article__outlet")
        .order_by("-matched_at", "-article_id")[:FEED_ENTRIES]
    )
    entries: list[tuple[Article, object]] = [(m.article, m.matched_at) for m in matches]
    if len(entries) < FEED_ENTRIES:
        seen = {a.pk for a, _ in entries}
        page = run_search(replace(saved_params(saved), sort="date", page=1))
        entries += [(row.article, row.article.imported_at) for row in page.rows if row.article.pk not in seen]
    search_url = reverse("search:search") + (f"?{saved.query}" if saved.query else "")
    return _feed(request, f"newsindex: {saved.name}", search_url, f"New matches of the saved search {saved.name}", entries[:FEED_ENTRIES])


@login_required
@require_POST
def follow_passage(request: HttpRequest) -> HttpResponse:
    group = get_object_or_404(PassageGroup, pk=request.POST.get("group") if (request.POST.get("group") or "").isdigit() else 0)
    FollowedPassage.objects.get_or_create(user=request.user, text_key=group.text_key, defaults={"text": group.text})
    messages.success(request, "You follow this passage: its feed lists every article that carries it.")
    return HttpResponseRedirect(reverse("search:saved"))


@require_safe
def passage_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The articles that carry a followed passage, newest import first (where a press release goes next)."""
    followed = FollowedPassage.objects.filter(feed_token=token).first()
    if followed is None:
        raise Http404("No such feed (its address may have been replaced)")
    ids = (
        PassageMember.objects.filter(group__text_key=followed.text_key, article__hidden=False)
        .values_list("article_id", flat=True)
        .distinct()
    )
    articles = Article.objects.filter(pk__in=list(ids)).select_related("outlet").order_by("-imported_at", "-id")[:FEED_ENTRIES]
    return _feed(
        request,
        f"newsindex: “{followed.text[:60]}…”",
        reverse("search:saved"),
        f"Articles carrying the passage: {followed.text[:300]}",
        [(a, a.imported_at) for a in articles],
    )
