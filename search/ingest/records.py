"""The values that flow through ingest: a source record in, a clean article or a rejection out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

RecordKind = Literal["text", "html", "record"]
DatePrecision = Literal["day", "month", "year", ""]


@dataclass(frozen=True)
class SourceRecord:
    """One article as found in the input, before any cleaning."""

    path: str  # absolute path of the file it came from
    line: int | None  # 1-based line (JSONL/CSV) or record number (JSON); None for a whole file
    key: str  # stable identity of this record: path plus record id or line
    kind: RecordKind
    content: str  # the text, the HTML, or the record's body
    meta: dict[str, str] = field(default_factory=dict)  # canonical field -> raw value
    content_hash: str = ""

    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Rejection:
    """An input that could not be imported, and why."""

    path: str
    line: int | None
    reason: str

    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass
class CleanArticle:
    """What the importer stores: metadata plus clean paragraphs."""

    title: str
    paragraphs: list[str]
    outlet: str = ""
    published: dt.date | None = None
    date_precision: DatePrecision = ""
    authors: list[str] = field(default_factory=list)
    url: str = ""
    warnings: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # paragraphs dropped as boilerplate


class RejectedRecord(Exception):
    """Raised by a cleaning step when a record cannot become an article."""
