"""/check/ and /api/check: paste a text (or upload a .txt/.html file) and see who else ran it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from search.ingest.decode import decode_bytes
from search.ingest.html import extract_html
from search.ingest.records import RejectedRecord
from search.query.check import MAX_CHARS, CheckResult, check_text

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class BadInput(Exception):
    pass


def _text_from(request: HttpRequest) -> str:
    upload = request.FILES.get("file")
    if upload is not None:
        name = (upload.name or "").lower()
        if not name.endswith((".txt", ".text", ".md", ".html", ".htm")):
            raise BadInput("Upload a .txt or .html file.")
        if upload.size and upload.size > MAX_UPLOAD_BYTES:
            raise BadInput(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        try:
            text, _ = decode_bytes(upload.read(MAX_UPLOAD_BYTES + 1))
            if name.endswith((".html", ".htm")):
                text = extract_html(text).text
        except RejectedRecord as exc:
            raise BadInput(f"The file could not be read: {exc}.") from exc
        return text
    text = request.POST.get("text", "")
    if not text and request.content_type == "application/json":
        import json

        try:
            body = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise BadInput("The request body is not valid JSON.") from exc
        text = body.get("text", "") if isinstance(body, dict) else ""
        if not isinstance(text, str):
            raise BadInput("'text' must be a string.")
    return text


@require_http_methods(["GET", "POST"])
def check_page(request: HttpRequest) -> HttpResponse:
    result: CheckResult | None = None
    error = ""
    text = ""
    if request.method == "POST":
        try:
            text = _text_from(request)
            result = check_text(text)
        except BadInput as exc:
            error = str(exc)
    return render(
        request, "search/check.html", {"result": result, "error": error, "text": text[:MAX_CHARS], "max_chars": MAX_CHARS}
    )


def _json(result: CheckResult, request: HttpRequest) -> dict[str, object]:
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
                "outlet": m.article.outlet_name,
                "published": m.article.published.isoformat() if m.article.published else None,
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


@csrf_exempt  # nothing is stored or changed: a read with a large body
@require_http_methods(["POST"])
def check_api(request: HttpRequest) -> JsonResponse:
    try:
        text = _text_from(request)
    except BadInput as exc:
        return JsonResponse({"ok": False, "error": str(exc), "status": 400}, status=400)
    return JsonResponse(_json(check_text(text), request))
