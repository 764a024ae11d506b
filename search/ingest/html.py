"""Main text and metadata of an HTML page, with trafilatura."""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura

from search.ingest.records import RejectedRecord


@dataclass
class HtmlExtract:
    text: str
    title: str = ""
    sitename: str = ""
    author: str = ""
    date: str = ""
    url: str = ""


def extract_html(html: str) -> HtmlExtract:
    try:
        doc = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_recall=True,
            # Only dates the page states, no guessing from its URL or its last modification.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except (ValueError, RecursionError, MemoryError) as exc:  # lxml gives up on pathological trees
        raise RejectedRecord(f"HTML could not be parsed: {exc.__class__.__name__}") from exc
    if doc is None or not (doc.text or "").strip():
        raise RejectedRecord("no main text found in the HTML")
    # trafilatura puts one paragraph per line.
    return HtmlExtract(
        text=doc.text.replace("\n", "\n\n"),
        title=doc.title or "",
        sitename=doc.sitename or "",
        author=doc.author or "",
        date=doc.date or "",
        url=doc.url or "",
    )
