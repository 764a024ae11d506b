"""/coverage/: who covered the current search first (every outlet, in order), and its JSON twin
/api/coverage (search/web/api_coverage.py). The search page shows the first rows of the same table."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from search.query.params import SearchParams
from search.query.results import SearchPage, run_search


def coverage_of(params: SearchParams) -> SearchPage:
    """The search without its result rows: facets, every outlet's first match, the split histogram."""
    return run_search(params, coverage=True, limit=0, first_limit=None)


@require_safe
def coverage_page(request: HttpRequest) -> HttpResponse:
    page = coverage_of(SearchParams.from_query(request.GET))
    return render(request, "search/coverage.html", {"page": page, "params": page.params})
