"""The postgres engine's tables: one row per indexed article, and the corpus's words.

Both exist only on PostgreSQL (Meta.required_db_vendor: migrations skip them on SQLite).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Func, Value

TEXT_CONFIG = "newsindex"  # english stems, no stop words, accents folded (migration 0010)
NAMES_CONFIG = "newsindex_names"  # outlet, author and actor names: folded words, no stemming


class PgDocument(models.Model):
    """What the index holds for an article (hidden articles have no row)."""

    article_id = models.BigIntegerField(primary_key=True)  # not a foreign key: rows follow the outbox's work
    outlet = models.TextField(default="")
    published = models.DateField(null=True)
    actor_ids = ArrayField(models.BigIntegerField(), default=list)
    copy_of = ArrayField(models.BigIntegerField(), default=list)
    fingerprint = models.CharField(max_length=32, default="")
    text_vector = SearchVectorField()  # title weight A, the body's lead C and the rest of it B
    # The title alone (ts_filter keeps weight A), in the table's row: the first step of ranking
    # reads it for every match (ranking.py).
    title_vector = models.GeneratedField(
        expression=Func(F("text_vector"), Value("{a}"), function="ts_filter", output_field=SearchVectorField()),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    names_vector = SearchVectorField()  # outlet A, authors B, actor names C

    class Meta:
        app_label = "search"
        required_db_vendor = "postgresql"
        indexes = [
            GinIndex(fields=["text_vector"], name="search_pgdoc_text_gin"),
            GinIndex(fields=["names_vector"], name="search_pgdoc_names_gin"),
            GinIndex(fields=["actor_ids"], name="search_pgdoc_actors_gin"),
            models.Index(fields=["outlet"], name="search_pgdoc_outlet"),
            models.Index(fields=["published", "article_id"], name="search_pgdoc_published"),
        ]


class PgWord(models.Model):
    """Every word (lexeme) of the index: what prefix, wildcard, fuzzy and range terms expand to.
    kind "t" for title and body, "n" for names. Words of deleted articles stay until a rebuild
    (an expansion to them finds nothing)."""

    kind = models.CharField(max_length=1)
    word = models.TextField(db_collation="C")  # byte order: prefixes are ranges of the unique index

    class Meta:
        app_label = "search"
        required_db_vendor = "postgresql"
        constraints = [models.UniqueConstraint(fields=["kind", "word"], name="search_pgword_unique")]
        indexes = [GinIndex(fields=["word"], name="search_pgword_trgm", opclasses=["gin_trgm_ops"])]


class PgGeneration(models.Model):
    """One row: the index's version. Every write of search_pgdocument sets `generation` to the
    next value of the sequence search_pggeneration_seq (migration 0014), in the writer's
    transaction; the row lock orders writers, so a snapshot that sees generation G sees every
    change up to G. Web processes compare it with the version of their facet arrays
    (search.index.postgres.arrays). Change rows at or below `pruned_to` are gone: a process
    whose arrays are older loads them anew."""

    id = models.SmallIntegerField(primary_key=True, default=1)
    generation = models.BigIntegerField(default=0)
    pruned_to = models.BigIntegerField(default=0)

    class Meta:
        app_label = "search"
        required_db_vendor = "postgresql"


class PgChange(models.Model):
    """Which blocks of article ids (arrays.BLOCK_BITS) a generation changed."""

    generation = models.BigIntegerField()
    block = models.IntegerField()

    class Meta:
        app_label = "search"
        required_db_vendor = "postgresql"
        indexes = [models.Index(fields=["generation"], name="search_pgchange_generation")]
