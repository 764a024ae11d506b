from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

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


@register.simple_tag
def facet_rows(values, search_url: str) -> SafeString:  # type: ignore[no-untyped-def]
    """The <li> of each facet value (search.query.facets.FacetValue): a toggle and an exclude
    link, or the struck-through value that takes its exclusion back. Built here rather than by
    including a template per value: a broad query's page lists 400 values, which took a fifth
    of its rendering time as includes."""
    rows = []
    for value in values:
        kind = format_html(' <span class="kind kind-{}">{}</span>', value.kind, value.kind) if value.kind else ""
        if value.excluded:
            rows.append(format_html(
                '<li class="facet-row excluded"><a class="facet-value excluded" href="{}{}" aria-pressed="true" '
                'title="Excluded: click to show again"><span class="box">⊘</span> <s class="label">{}</s>{} '
                '<span class="count">{}</span></a></li>',
                search_url, value.exclude_url, value.label, kind, value.count,
            ))
        else:
            rows.append(format_html(
                '<li class="facet-row"><a class="facet-value{}" href="{}{}" aria-pressed="{}"><span class="box">{}</span> '
                '<span class="label">{}</span>{} <span class="count">{}</span></a><a class="exclude" href="{}{}" '
                'title="Exclude {}" aria-label="Exclude {}">−</a></li>',
                " selected" if value.selected else "", search_url, value.toggle_url, "true" if value.selected else "false",
                "☑" if value.selected else "☐", value.label, kind, value.count, search_url, value.exclude_url, value.label, value.label,
            ))
    return mark_safe("".join(rows))  # noqa: S308 (every part went through format_html)
