"""Markdown for BENCHMARKS.md: numbers in cells, tables, and the checks of the issue's targets."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# Scale the size-bound targets are for; a run on fewer articles (less than 90 %) is "not assessed".
ALLSIDES_ARTICLES = 37_500
SYNTHETIC_ARTICLES = 200_000
SCALE_SLACK = 0.9

STATUS_MET, STATUS_MISSED, STATUS_NOT_ASSESSED, STATUS_NOT_RUN = "met", "MISSED", "not assessed", "not run"


# --- formatting ----------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return None if math.isnan(value) or math.isinf(value) else float(value)


def fmt(value: Any, digits: int | None = None) -> str:
    """Numbers for tables: thousands separators, one decimal under 100 (two under 1), '–' when none."""
    number = _number(value)
    if number is None:
        return "–" if value is None or isinstance(value, float) else str(value)
    if digits is None:
        digits = 0 if abs(number) >= 100 or (isinstance(value, int) and not isinstance(value, bool)) else (1 if abs(number) >= 1 else 2)
    return f"{number:,.{digits}f}"


def fms(value: Any) -> str:
    """A measurement (milliseconds, seconds): like fmt, with whole numbers read as measured ones."""
    number = _number(value)
    return fmt(number) if number is not None else fmt(value)


def share(value: Any) -> str:
    number = _number(value)
    return "–" if number is None else f"{number:.3f}"


def table(header: list[str], rows: Iterable[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(str(cell).replace("|", "\\|").replace("\n", " ") for cell in row) + " |")
    return lines


def code(text: str) -> str:
    return f"`{text}`"


# --- targets -------------------------------------------------------------------------------------


@dataclass
class Check:
    area: str
    target: str
    status: str
    figure: str

    def line(self) -> str:
        status = f"**{self.status}**" if self.status in (STATUS_MET, STATUS_MISSED) else self.status
        return f"**Target:** {self.target}: {status}" + (f" ({self.figure})" if self.figure else "") + "."


def check_at_most(area: str, target: str, value: Any, limit: float, figure: str, scale_note: str = "") -> Check:
    return _check(area, target, value, figure, scale_note, lambda number: number <= limit)


def check_at_least(area: str, target: str, value: Any, limit: float, figure: str, scale_note: str = "") -> Check:
    return _check(area, target, value, figure, scale_note, lambda number: number >= limit)


def _check(area: str, target: str, value: Any, figure: str, scale_note: str, met: Callable[[float], bool]) -> Check:
    """Not run without a figure, not assessed off the target's scale, else met or MISSED."""
    number = _number(value)
    if number is None:
        return Check(area, target, STATUS_NOT_RUN, "no figure")
    if scale_note:
        return Check(area, target, STATUS_NOT_ASSESSED, f"{figure}; {scale_note}")
    return Check(area, target, STATUS_MET if met(number) else STATUS_MISSED, figure)


def scale_note(measured: Any, wanted: int, what: str = "articles") -> str:
    """'' when `measured` is close enough to the target's scale, else why the target is not assessed."""
    number = _number(measured)
    if number is None:
        return f"the number of {what} is not in the figures"
    if number < wanted * SCALE_SLACK:
        return f"measured at {fmt(int(number))} {what}, the target is for {fmt(wanted)}"
    return ""
