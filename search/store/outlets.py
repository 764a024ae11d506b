"""Outlets named by a domain (a record without a real outlet): learn which publisher that is.

search.ingest.fields.choose_outlet names a record's outlet by its URL's domain ("cnn.com") when
the record has none or a pseudo-outlet ("Guest Writer - Left", "AllSides"). An outlet alias
(editable in the admin, as for any other name) maps the domain to the publisher; when there is
none yet, the corpus usually says: if the other articles whose URLs are on that domain are, for
DOMAIN_SHARE of them or more, filed under one real outlet, that outlet is the publisher. The
alias is then recorded (curators can change or delete it) and the articles move onto the outlet.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from search.index.outbox import enqueue
from search.ingest.fields import outlet_from_url
from search.store.models import Article, Outlet, OutletAlias

DOMAIN_SHARE = 0.6  # share of the domain's other articles one outlet must hold
DOMAIN_MIN_ARTICLES = 3  # ... out of at least this many
_DOMAIN = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+$")


def is_domain(name: str) -> bool:
    return bool(_DOMAIN.match(name))


def map_domain_outlets(outlet_ids: Iterable[int]) -> set[int]:
    """Move articles of domain-named outlets among `outlet_ids` onto their publisher where the
    corpus (or an alias) names it. Returns the outlet ids to consider from now on."""
    ids = set(outlet_ids)
    domains = {pk: name for pk, name in Outlet.objects.filter(id__in=ids).values_list("id", "name") if is_domain(name)}
    if not domains:
        return ids
    aliases = dict(OutletAlias.objects.filter(name__in=domains.values()).values_list("name", "outlet_id"))
    wanted = set(domains.values())
    votes: dict[str, Counter[int]] = defaultdict(Counter)
    for url, outlet_id in Article.objects.exclude(url="").exclude(outlet_id__in=list(domains)).values_list("url", "outlet_id").iterator():
        domain = outlet_from_url(url)
        if domain in wanted and outlet_id is not None:
            votes[domain][outlet_id] += 1
    for pk, domain in domains.items():
        target = aliases.get(domain)
        if target is None and votes.get(domain):
            (best, n), total = votes[domain].most_common(1)[0], sum(votes[domain].values())
            if total >= DOMAIN_MIN_ARTICLES and n >= DOMAIN_SHARE * total:
                target = best
                OutletAlias.objects.get_or_create(name=domain, defaults={"outlet_id": target})
        if target is None or target == pk:
            continue
        moved = list(Article.objects.filter(outlet_id=pk).values_list("id", flat=True))
        Article.objects.filter(id__in=moved).update(outlet_id=target)
        enqueue(moved)
        if not Article.objects.filter(outlet_id=pk).exists():
            Outlet.objects.filter(pk=pk).delete()
        ids.discard(pk)
        ids.add(target)
    return ids
