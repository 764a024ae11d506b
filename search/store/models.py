"""The stored corpus: outlets, articles, their paragraphs, and pending index work."""

from __future__ import annotations

from django.db import models


class Outlet(models.Model):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OutletAlias(models.Model):
    """Another name of an outlet (kept when a curator merges two): later imports map it to the outlet."""

    name = models.CharField(max_length=200, unique=True)
    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        verbose_name_plural = "outlet aliases"

    def __str__(self) -> str:
        return f"{self.name} -> {self.outlet}"


class DatePrecision(models.TextChoices):
    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"
    NONE = "", "unknown"


class Article(models.Model):
    title = models.CharField(max_length=1000)
    outlet = models.ForeignKey(Outlet, null=True, blank=True, on_delete=models.PROTECT, related_name="articles")
    published = models.DateField(null=True, blank=True, db_index=True)
    date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True, default="")
    authors = models.JSONField(default=list, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    # Where it was first read (path plus record id or line), hashed; every place it was read
    # from is an ArticleLocation. Identity (search.ingest.identity): url_key, else record_key,
    # else a location, else text_key, else bare_text_key (the text without the outlet, when one of
    # the two copies names no outlet). The importer is the only writer of these keys and imports
    # run one at a time, so url_key is unique in practice (merge_duplicate_articles repairs
    # databases from before identity).
    source_key = models.CharField(max_length=64, db_index=True, editable=False)
    url_key = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    record_key = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    text_key = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    bare_text_key = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    source_file = models.CharField(max_length=1000, editable=False)
    source_line = models.PositiveIntegerField(null=True, blank=True, editable=False)
    content_hash = models.CharField(max_length=64, editable=False)
    raw_kind = models.CharField(max_length=10, editable=False)  # text / html / record
    raw_text = models.TextField(editable=False)  # kept so cleaning can run again
    raw_meta = models.JSONField(default=dict, editable=False)
    import_warnings = models.JSONField(default=list, blank=True, editable=False)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    hidden = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["-published", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def outlet_name(self) -> str:
        return self.outlet.name if self.outlet_id else ""

    def body_paragraphs(self) -> list[Paragraph]:
        """The clean text: paragraphs that are not boilerplate, in order (uses prefetch if any)."""
        return [p for p in self.paragraphs.all() if not p.boilerplate]

    @property
    def body(self) -> str:
        return PARAGRAPH_BREAK.join(p.text for p in self.body_paragraphs())

    @staticmethod
    def bodies(ids: list[int]) -> dict[int, str]:
        """Article.body of each article, read as plain values (no model instance per paragraph:
        a page of 20 long articles holds about a thousand)."""
        paragraphs: dict[int, list[str]] = {pk: [] for pk in ids}
        rows = Paragraph.objects.filter(article_id__in=ids, boilerplate=False).order_by("article_id", "position")
        for article_id, text in rows.values_list("article_id", "text"):
            paragraphs[article_id].append(text)
        return {pk: PARAGRAPH_BREAK.join(texts) for pk, texts in paragraphs.items()}


PARAGRAPH_BREAK = "\n\n"  # between the paragraphs of Article.body


class Paragraph(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="paragraphs")
    position = models.PositiveIntegerField()
    text = models.TextField()
    # Hash of the normalised text (search.ingest.clean.paragraph_hash): boilerplate and duplicates.
    text_hash = models.CharField(max_length=16, db_index=True)
    # Learned from the corpus: recurs across many articles of the same outlet.
    boilerplate = models.BooleanField(default=False)

    class Meta:
        ordering = ["article", "position"]
        constraints = [models.UniqueConstraint(fields=["article", "position"], name="paragraph_position")]

    def __str__(self) -> str:
        return self.text[:80]


class ArticleLocation(models.Model):
    """A place an article was read from (file path plus record id or line, hashed): a file edited
    in place updates its article, wherever else the article was also found."""

    key = models.CharField(max_length=64, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="locations")
    path = models.CharField(max_length=1000)
    line = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class IndexTask(models.Model):
    """Outbox of pending index work: written in the same transaction as the change it follows,
    applied by the one index writer (importer or `run_index_worker`), deleted once committed."""

    class Action(models.TextChoices):
        INDEX = "index", "index"
        DELETE = "delete", "delete"

    article_id = models.BigIntegerField(db_index=True)  # not a foreign key: deletions are queued too
    action = models.CharField(max_length=6, choices=Action.choices, default=Action.INDEX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.action} article {self.article_id}"


class PendingEnrichment(models.Model):
    """An article stored and indexed by an `--enrich=later` import whose actors or shared passages
    are still to come (search.store.enrichment does them in the background). The row goes once
    both are done and the actor variants have been merged; `actors`/`passages` say what is left."""

    article = models.OneToOneField(Article, primary_key=True, on_delete=models.CASCADE, related_name="enrichment")
    actors = models.BooleanField(default=True)
    passages = models.BooleanField(default=True)
    queued_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "article awaiting enrichment"
        verbose_name_plural = "articles awaiting enrichment"

    def __str__(self) -> str:
        left = [name for name, flag in (("actors", self.actors), ("passages", self.passages)) if flag]
        return f"article {self.article_id}: {', '.join(left) or 'merging actor variants'}"


class ActorKind(models.TextChoices):
    PERSON = "person", "person"
    ORG = "org", "organisation"
    PLACE = "place", "place"


class Actor(models.Model):
    """A person, organisation or place named in articles (spaCy NER, normalised and merged)."""

    name = models.CharField(max_length=300)  # best-spelled form, shown to users
    kind = models.CharField(max_length=6, choices=ActorKind.choices)
    key = models.CharField(max_length=300, editable=False)  # accent- and case-folded name: matching

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="actor_kind_key")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class ArticleActor(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="actor_links")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="article_links")
    mentions = models.PositiveIntegerField(default=1)
    # The kind spaCy gave this name in this article (its majority there): the actor's kind is the
    # majority over all its mentions (search.store.actors.settle_kinds).
    kind = models.CharField(max_length=6, choices=ActorKind.choices, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "actor"], name="article_actor")]


class ActorAlias(models.Model):
    """A curator's decision: mentions with this key (and kind) are this actor. Applied on every import."""

    key = models.CharField(max_length=300)
    kind = models.CharField(max_length=6, choices=ActorKind.choices)
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        verbose_name_plural = "actor aliases"
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="alias_kind_key")]

    def __str__(self) -> str:
        return f"{self.key} -> {self.actor}"


class NameAlias(models.Model):
    """Another way of writing a name (an abbreviation: "AP", "GOP", "D.C."): its mentions are the
    actor named `name`, of this kind. Seeded with a short list; curators extend it in the admin."""

    key = models.CharField(max_length=300, unique=True, editable=False)  # folded alias
    alias = models.CharField(max_length=300)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=6, choices=ActorKind.choices)

    class Meta:
        ordering = ["alias"]
        verbose_name = "name alias (abbreviation)"
        verbose_name_plural = "name aliases (abbreviations)"

    def save(self, *args: object, **kwargs: object) -> None:
        from search.ingest.actors import fold

        self.key = fold(self.alias)[:300]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.alias} -> {self.name}"


class ActorBlock(models.Model):
    """A curator's decision: this name is not an actor. Applied on every import."""

    key = models.CharField(max_length=300)
    kind = models.CharField(max_length=6, choices=ActorKind.choices)
    name = models.CharField(max_length=300)

    class Meta:
        verbose_name = "not-an-actor entry"
        verbose_name_plural = "not-an-actor list"
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="block_kind_key")]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class MergeSuggestion(models.Model):
    """Two actors that may be one, for a curator to decide."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+")
    into = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    rejected = models.BooleanField(default=False)  # a curator said no: never suggested again

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "into"], name="suggestion_pair")]

    def __str__(self) -> str:
        return f"{self.actor} -> {self.into}?"


class PassageGroup(models.Model):
    """A passage that two or more articles share (wire copy, a quote, a press release)."""

    text = models.TextField()  # the representative member's text
    text_key = models.CharField(max_length=32, db_index=True)  # hash of its normalised text: curators' marks survive recomputation
    exact = models.BooleanField(default=False)  # every member identical after normalisation
    article_count = models.PositiveIntegerField(default=0)
    outlet_count = models.PositiveIntegerField(default=0)  # known outlets when grouped, for ordering; pages count with search.query.reuse
    earliest = models.ForeignKey("PassageMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    boilerplate = models.BooleanField(default=False)  # out of highlights and counts: a curator's mark or learned
    # Marked automatically: the passage recurs in one outlet only, over a long period (a sign-off,
    # a bio, a caption template). Recomputed on every rebuild; a curator's mark is kept apart.
    learned_boilerplate = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-article_count", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class PassageMember(models.Model):
    group = models.ForeignKey(PassageGroup, on_delete=models.CASCADE, related_name="members")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="passages")
    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="passages")
    start = models.PositiveIntegerField()  # character offsets in the paragraph's text
    end = models.PositiveIntegerField()
    similarity = models.FloatField(default=1.0)  # to the group's representative text

    class Meta:
        ordering = ["group", "article"]
        indexes = [models.Index(fields=["article", "group"])]

    def __str__(self) -> str:
        return f"{self.article_id}:{self.start}-{self.end}"


class BoilerplatePassage(models.Model):
    """A curator said: this shared passage is boilerplate. Kept by text, so it survives re-imports."""

    text_key = models.CharField(max_length=32, unique=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.text[:80]


class ArticleCopy(models.Model):
    """`article` is mostly (80 % or more of its text) a copy of `source`: what collapse=1 hides."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="copies_of")
    source = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="copied_by")
    coverage = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "source"], name="article_copy_pair")]
