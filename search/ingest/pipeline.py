"""From one SourceRecord to one CleanArticle: the whole of ingest as one plain function."""

from __future__ import annotations

import re

from search.ingest.boilerplate import remove_reader_prompts
from search.ingest.clean import drop_repeats, match_key, normalize_text, split_paragraphs
from search.ingest.dates import DATELINE_SEARCH_LINES, find_dateline, is_dateline, parse_date
from search.ingest.fields import choose_outlet, clean_url, split_authors
from search.ingest.html import extract_html
from search.ingest.records import CleanArticle, RejectedRecord, SourceRecord

MAX_TITLE_CHARS = 300
_BYLINE = re.compile(r"^(?:by\s+)?([A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){1,3})$", re.IGNORECASE)


def _is_byline(paragraph: str) -> bool:
    return len(paragraph) <= 60 and not any(ch.isdigit() for ch in paragraph) and bool(
        _BYLINE.match(paragraph)
    ) and all(word[0].isupper() for word in paragraph.removeprefix("By ").split())


def _take_title(paragraphs: list[str]) -> tuple[str, list[str]]:
    for index, paragraph in enumerate(paragraphs):
        if len(paragraph) <= MAX_TITLE_CHARS:
            return paragraph, paragraphs[:index] + paragraphs[index + 1 :]
        break
    # No short first paragraph: use the start of the text as the title, keep the text whole.
    first = paragraphs[0]
    return first[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…", paragraphs


def clean_record(record: SourceRecord) -> CleanArticle:
    """Raise RejectedRecord when nothing usable is left."""
    meta = dict(record.meta)
    warnings: list[str] = []
    html_date = ""
    if record.kind == "html":
        page = extract_html(record.content)
        text = page.text
        meta.setdefault("title", page.title)
        meta.setdefault("authors", page.author)
        meta.setdefault("url", page.url)
        if page.sitename:
            meta.setdefault("outlet", page.sitename)
        html_date = page.date
    else:
        text = record.content

    paragraphs, removed = remove_reader_prompts(split_paragraphs(text))
    if not paragraphs:
        raise RejectedRecord("no text left after removing boilerplate" if removed else "no text")

    title = " ".join(normalize_text(meta.get("title", "")).split())
    if not title:
        title, paragraphs = _take_title(paragraphs)

    authors = split_authors(meta.get("authors", ""))

    published, precision, warning = parse_date(meta.get("date", "") or html_date)
    if warning:
        warnings.append(warning)
    head = paragraphs[:DATELINE_SEARCH_LINES]
    line, dateline_day, dateline_precision, dateline_warning = find_dateline(head)
    if published is None and not meta.get("date") and dateline_day is not None:
        published, precision = dateline_day, dateline_precision
    if dateline_warning and published is None:
        warnings.append(dateline_warning)
    if line >= 0 and is_dateline(paragraphs[line]):
        # A byline just above the dateline gives the author when nothing else does.
        if line > 0 and _is_byline(paragraphs[line - 1]):
            byline = paragraphs[line - 1].removeprefix("By ").strip()
            if not authors:
                authors = [byline]
            if byline in authors:
                del paragraphs[line - 1]
                line -= 1
        del paragraphs[line]
    author_keys = {match_key(a) for a in authors}
    paragraphs = [p for p in drop_repeats(paragraphs, title) if match_key(p) not in author_keys]
    if not paragraphs:
        raise RejectedRecord("no body text (only a title)")

    url = clean_url(meta.get("url", ""))
    outlet = choose_outlet(meta.get("outlet", ""), url)
    return CleanArticle(
        title=title[:1000],
        paragraphs=paragraphs,
        outlet=outlet[:200],
        published=published,
        date_precision=precision if published else "",
        authors=authors,
        url=url,
        warnings=warnings,
        removed=removed,
    )
