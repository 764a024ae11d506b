"""/duplicates/: the most copied passages, filtered by the search page's parameters."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Max, Min, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from search.query.params import SearchParams
from search.query.results import checked
from search.query.reuse import reach
from search.store.models import PassageGroup, PassageMember
from search.web.export import export_hits

PER_PAGE = 30


@dataclass
class PassageListing:
    params: SearchParams
    messages: list[str]
    page: Page
    newest: bool
    filtered: bool


def passage_listing(params: SearchParams) -> PassageListing:
    """The page of shared passages for these parameters: one data path for /duplicates/ and /api/passages."""
    params, messages, _ = checked(params)
    groups = PassageGroup.objects.filter(boilerplate=False)
    filtered = bool(
        params.q or params.outlet or params.actor or params.exclude_outlet or params.exclude_actor
        or params.date_from or params.date_to or params.undated
    )
    if filtered:
        _, hits = export_hits(params)
        groups = groups.filter(members__article_id__in=[pk for pk, _ in hits])
    groups = groups.filter(Q(members__article__hidden=False)).annotate(
        first=Min("members__article__published"), last=Max("members__article__published")
    ).distinct()
    newest = params.sort == "date"
    groups = groups.order_by("-last", "-article_count", "id") if newest else groups.order_by("-article_count", "-outlet_count", "id")
    members = PassageMember.objects.filter(article__hidden=False).select_related("article__outlet").order_by("article__published", "article_id")
    groups = groups.select_related("earliest__article__outlet").prefetch_related(Prefetch("members", queryset=members))
    paginator = Paginator(groups, PER_PAGE)
    params, page_messages = params.on_existing_page(paginator.num_pages if paginator.count else 0)
    messages += page_messages
    page = paginator.page(params.page)
    page.object_list = list(page.object_list)
    for group in page.object_list:  # counted from the visible copies listed with it, by the one rule
        group.reach = reach({member.article_id: member.article.outlet_id for member in group.members.all()})
    return PassageListing(params, messages, page, newest, filtered)


@require_safe
def duplicates_page(request: HttpRequest) -> HttpResponse:
    listing = passage_listing(SearchParams.from_query(request.GET))
    return render(
        request,
        "search/duplicates.html",
        {"params": listing.params, "page": listing.page, "messages": listing.messages, "newest": listing.newest, "filtered": listing.filtered},
    )
