"""JSON twins of the monitoring pages, as django-ninja operations (mounted by search/web/api_site.py):
/api/check (POST a text or a .txt/.html file, as on /check/: who else ran it) and /api/saved (the
logged-in user's saved searches, as on /saved/). Each calls the same functions as its page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from search.query.check import MAX_CHARS, CheckResult, check_text
from search.web.access import NOT_LOGGED_IN
from search.web.api_schemas import ERRORS, Error
from search.web.check import MAX_UPLOAD_BYTES, BadInput, text_from
from search.web.saved import with_counts

router = Router(tags=["monitoring"])

# The body is read by check.text_from, as the page reads it (a bad body is a 400 with a message,
# not a 422), so it is declared here for the document rather than parsed by django-ninja.
CHECK_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"text": {"type": "string", "description": f"the text to check (the first {MAX_CHARS:,} characters)"}},
            }
        },
        "application/x-www-form-urlencoded": {
            "schema": {"type": "object", "properties": {"text": {"type": "string"}}},
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": f"a .txt or .html file, at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB",
                    },
                    "text": {"type": "string"},
                },
            }
        },
    },
}


class FoundPassage(Schema):
    pasted: str = Field(description="the passage as pasted")
    found: str = Field(description="the passage as the article prints it")
    paragraph: int = Field(description="the paragraph's position in the article")
    diff_html: str | None = Field(description="the article's wording against the pasted one, when they differ")


class CheckMatch(Schema):
    id: int
    title: str
    outlet: str | None
    published: dt.date | None
    url: str | None
    coverage: float = Field(description="share of the pasted text found in this article")
    article_url: str
    compare_url: str | None = Field(description="side by side with the earliest match")
    passages: list[FoundPassage]


class CheckResponse(Schema):
    ok: bool
    paragraphs: int = Field(description="paragraphs in the pasted text")
    coverage: float = Field(description="share of the pasted text found anywhere")
    messages: list[str]
    seconds: float
    earliest: int | None = Field(description="id of the earliest matching article")
    matches: list[CheckMatch]


class SavedSearch(Schema):
    id: int
    name: str
    query: str = Field(description="the search page's parameters")
    new_matches: int = Field(description="matches found at import since the search was last opened")
    search_url: str
    feed_url: str = Field(description="the search's private Atom feed")
    webhook_url: str | None


class SavedResponse(Schema):
    ok: bool
    saved: list[SavedSearch]


def check_json(request: HttpRequest, result: CheckResult) -> dict[str, Any]:
    earliest = result.earliest
    return {
        "ok": True,
        "paragraphs": len(result.paragraphs),
        "coverage": round(result.coverage, 4),
        "messages": result.messages,
        "seconds": round(result.seconds, 4),
        "earliest": earliest.article.pk if earliest else None,
        "matches": [
            {
                "id": m.article.pk,
                "title": m.article.title,
                "outlet": m.article.outlet_name or None,
                "published": m.article.published,
                "url": m.article.url or None,
                "coverage": round(m.coverage, 4),
                "article_url": request.build_absolute_uri(reverse("search:article", args=[m.article.pk])),
                "compare_url": request.build_absolute_uri(reverse("search:compare", args=[earliest.article.pk, m.article.pk]))
                if earliest and earliest.article.pk != m.article.pk
                else None,
                "passages": [
                    {"pasted": p.pasted, "found": p.found, "paragraph": p.paragraph_position, "diff_html": p.diff}
                    for p in m.passages
                ],
            }
            for m in result.matches
        ],
    }


@router.post(
    "/check",
    response={200: CheckResponse, 400: Error, **ERRORS},
    url_name="api-check",
    summary="Who else ran this text",
    openapi_extra={"requestBody": CHECK_BODY},
)
def check(request: HttpRequest) -> Status[dict[str, Any]]:
    """Nothing is stored: a read with a large body (JSON {"text": ...}, a form's text, or a file)."""
    try:
        text = text_from(request)
    except BadInput as exc:
        return Status(400, {"ok": False, "error": str(exc), "status": 400})
    return Status(200, check_json(request, check_text(text)))


@router.get("/saved", response={200: SavedResponse, **ERRORS}, url_name="api-saved", summary="Your saved searches")
def saved(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:  # a public archive lets anyone in; saved searches are a user's
        raise HttpError(401, NOT_LOGGED_IN)
    return {
        "ok": True,
        "saved": [
            {
                "id": s.pk,
                "name": s.name,
                "query": s.query,
                "new_matches": s.new_matches,
                "search_url": request.build_absolute_uri(reverse("search:search") + (f"?{s.query}" if s.query else "")),
                "feed_url": request.build_absolute_uri(reverse("search:saved-feed", args=[s.feed_token])),
                "webhook_url": s.webhook_url or None,
            }
            for s in with_counts(request.user)
        ],
    }
