"""documents_for: what the index is given for each article, read straight from the store."""

from __future__ import annotations

from search.index.documents import documents_for, fingerprint
from search.store.models import Article, ArticleActor, Paragraph


def test_documents_hold_the_clean_text_names_and_links_of_visible_articles(seeds):
    article = next(a for a in seeds.values() if a.outlet_id)
    doc = {d["id"]: d for d in documents_for(a.pk for a in seeds.values())}[article.pk]
    paragraphs = list(Paragraph.objects.filter(article=article).order_by("position"))
    assert doc["title"] == article.title
    assert doc["outlet"] == article.outlet_name
    assert doc["date"] == article.published
    assert doc["body"] == "\n\n".join(p.text for p in paragraphs if not p.boilerplate)
    links = ArticleActor.objects.filter(article=article).select_related("actor")
    assert doc["actors"] == sorted(link.actor_id for link in links) and doc["actors"]
    assert doc["actor_names"] == sorted(link.actor.name for link in links)
    assert doc["fingerprint"] == fingerprint(doc)


def test_boilerplate_hidden_and_deleted_articles_change_what_is_indexed(seeds):
    article, other = seeds["001"], seeds["004"]
    before = documents_for([article.pk])[0]
    first = Paragraph.objects.filter(article=article).order_by("position").first()
    Paragraph.objects.filter(pk=first.pk).update(boilerplate=True)
    after = documents_for([article.pk])[0]
    assert first.text not in after["body"] and first.text in before["body"]
    assert after["fingerprint"] != before["fingerprint"]

    Article.objects.filter(pk=other.pk).update(hidden=True)
    assert [d["id"] for d in documents_for([other.pk, article.pk, 10**9])] == [article.pk]
