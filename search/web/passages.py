"""A shared passage's page with its spread. Its JSON twin, /api/passages/<id>, and those of the
/duplicates/ list and /compare/ are in search/web/api_passages.py and call the same functions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from search.query.spread import passage_spread


@require_safe
def passage_page(request: HttpRequest, group_id: int) -> HttpResponse:
    return render(request, "search/passage.html", {"spread": passage_spread(group_id)})
