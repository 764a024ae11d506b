from __future__ import annotations

from django import template

from search.store.models import Article

register = template.Library()


@register.filter
def pubdate(article: Article) -> str:
    """The publication date as precise as it is known: '20 May 2017', 'May 2017', '2017' or 'undated'."""
    day = article.published
    if day is None:
        return "undated"
    if article.date_precision == "year":
        return str(day.year)
    if article.date_precision == "month":
        return day.strftime("%B %Y")
    return f"{day.day} {day.strftime('%B %Y')}"


@register.simple_tag
def querystring_remove(params, name: str, value: str) -> str:  # type: ignore[no-untyped-def]
    """The query string of `params` without one value of a repeatable parameter."""
    return params.querystring(**{name: tuple(v for v in getattr(params, name) if v != value)})


@register.filter
def page_qs(params, number: int) -> str:  # type: ignore[no-untyped-def]
    return params.querystring(page=number)
