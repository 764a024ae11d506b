"""/check/: paste a text (or upload a .txt/.html file) and see who else ran it. Its JSON twin,
/api/check, is in search/web/api_monitor.py and reads the text with the same text_from."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from search.ingest.decode import decode_bytes
from search.ingest.html import extract_html
from search.ingest.records import RejectedRecord
from search.query.check import MAX_CHARS, CheckResult, check_text

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class BadInput(Exception):
    pass


def text_from(request: HttpRequest) -> str:
    """The pasted text: an uploaded file, a form's text field or a JSON body's "text"; BadInput
    with the reason when the request cannot be read (a clear message, not Django's bare 400)."""
    try:
        return _read_text(request)
    except RequestDataTooBig as exc:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        raise BadInput(
            f"The request is larger than {limit:g} MB: send a long text as a .txt file "
            f"(only the first {MAX_CHARS:,} characters are checked)."
        ) from exc
    except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent) as exc:
        raise BadInput(f"The form data could not be read: {exc}") from exc


def _read_text(request: HttpRequest) -> str:
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
            text = text_from(request)
            result = check_text(text)
        except BadInput as exc:
            error = str(exc)
    return render(
        request, "search/check.html", {"result": result, "error": error, "text": text[:MAX_CHARS], "max_chars": MAX_CHARS}
    )
