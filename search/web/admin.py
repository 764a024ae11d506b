"""Curation in the Django admin. Every change goes through search.store.curation, which updates
the index in the same transaction on the postgres engine, or queues the work for the index worker
(applied within seconds) on Whoosh."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from search.index import get_backend
from search.store import curation, enrichment
from search.store.access import ApiToken
from search.store.models import (
    NameAlias,
    Actor,
    ActorAlias,
    ActorBlock,
    Article,
    IndexTask,
    MergeSuggestion,
    Outlet,
    OutletAlias,
    Paragraph,
    PassageGroup,
    PassageMember,
)
from search.store.passages import mark_boilerplate


class ParagraphInline(admin.TabularInline):
    model = Paragraph
    fields = ("position", "text", "boilerplate")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False


class EnrichmentFilter(admin.SimpleListFilter):
    """Articles imported with --enrich=later whose actors or shared passages are still coming."""

    title = "enrichment"
    parameter_name = "enrichment"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("actors", "awaiting actors"), ("passages", "awaiting shared passages"), ("done", "enriched")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> QuerySet[Article]:
        if self.value() == "actors":
            return queryset.filter(enrichment__actors=True)
        if self.value() == "passages":
            return queryset.filter(enrichment__passages=True)
        if self.value() == "done":
            return queryset.filter(enrichment__isnull=True)
        return queryset



def _articles(count: int) -> str:
    return f"{count} article{'' if count == 1 else 's'}"


def _when_searchable() -> str:
    """When search shows a curation change: at once where the index is written in the same
    transaction (the postgres engine), else once the index worker has applied it."""
    return "." if get_backend().transactional else "; search catches up within seconds."


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "outlet", "published", "hidden", "imported_at")
    list_filter = ("hidden", EnrichmentFilter, ("outlet", admin.RelatedOnlyFieldListFilter), "date_precision")
    date_hierarchy = "published"
    search_fields = ("title", "url", "outlet__name")
    list_select_related = ("outlet",)
    list_per_page = 50
    autocomplete_fields = ("outlet",)
    fields = ("title", "outlet", "published", "date_precision", "authors", "url", "hidden", "source_file", "source_line", "imported_at", "updated_at", "import_warnings")
    readonly_fields = ("source_file", "source_line", "imported_at", "updated_at", "import_warnings")
    inlines = (ParagraphInline,)
    actions = ("hide", "unhide", "reextract_actors", "reindex")

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        curation.reindex([obj.pk])

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The list says how far background enrichment has got while any article waits for it."""
        if request.method == "GET" and (state := enrichment.progress()):
            self.message_user(request, f"{state.message} The enrichment filter lists the articles still waiting.", messages.INFO)
        return super().changelist_view(request, extra_context)

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        pk = obj.pk
        super().delete_model(request, obj)
        curation.reindex([pk])  # the worker removes it from the index

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        ids = list(queryset.values_list("id", flat=True))
        super().delete_queryset(request, queryset)
        curation.reindex(ids)

    @admin.action(description="Hide from search, facets and exports", permissions=["change"])
    def hide(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        changed = curation.set_hidden(queryset.values_list("id", flat=True), True)
        self.message_user(request, f"{_articles(changed)} hidden{_when_searchable()}", messages.SUCCESS)

    @admin.action(description="Show again in search", permissions=["change"])
    def unhide(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        changed = curation.set_hidden(queryset.values_list("id", flat=True), False)
        self.message_user(request, f"{_articles(changed)} shown again{_when_searchable()}")

    @admin.action(description="Extract actors again", permissions=["change"])
    def reextract_actors(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        done = curation.reextract_actors(queryset.values_list("id", flat=True))
        self.message_user(request, f"Actors extracted again for {done} articles.")

    @admin.action(description="Index again", permissions=["change"])
    def reindex(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        queued = curation.reindex(queryset.values_list("id", flat=True))
        self.message_user(request, f"{queued} articles queued for indexing.")


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(queryset=Outlet.objects.none(), label="Keep", widget=forms.RadioSelect)

    def __init__(self, *args: Any, choices: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = choices


def _merge_action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any], merge: Any, noun: str) -> HttpResponse | None:
    """Two-step admin action: choose which one to keep, then merge the others into it."""
    if queryset.count() < 2:
        modeladmin.message_user(request, f"Select at least two {noun}s to merge.", messages.WARNING)
        return None
    form = MergeForm(request.POST if "apply" in request.POST else None, choices=queryset)
    if "apply" in request.POST and form.is_valid():
        target = form.cleaned_data["target"]
        changed = merge([item for item in queryset if item.pk != target.pk], target)
        modeladmin.message_user(request, f"Merged into {target}: {changed} articles re-indexed.")
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"Merge {noun}s",
        "form": form,
        "items": queryset,
        "noun": noun,
        "action": request.POST.get("action"),
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/search/merge.html", context)


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ("name", "article_count", "alias_names")
    search_fields = ("name", "aliases__name")
    actions = ("merge",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Outlet]:
        return super().get_queryset(request).annotate(n=Count("articles")).prefetch_related("aliases")

    @admin.display(description="articles", ordering="n")
    def article_count(self, obj: Outlet) -> int:
        return obj.n  # type: ignore[attr-defined]

    @admin.display(description="also known as")
    def alias_names(self, obj: Outlet) -> str:
        return ", ".join(a.name for a in obj.aliases.all())

    def save_model(self, request: HttpRequest, obj: Outlet, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        curation.outlet_changed(obj)

    @admin.action(description="Merge selected outlets (keeps the old names as aliases)", permissions=["change"])
    def merge(self, request: HttpRequest, queryset: QuerySet[Outlet]) -> HttpResponse | None:
        return _merge_action(self, request, queryset, curation.merge_outlets, "outlet")


@admin.register(OutletAlias)
class OutletAliasAdmin(admin.ModelAdmin):
    list_display = ("name", "outlet")
    search_fields = ("name", "outlet__name")
    autocomplete_fields = ("outlet",)


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "article_count")
    list_filter = ("kind",)
    search_fields = ("name", "key")
    readonly_fields = ("key",)
    actions = ("merge", "not_an_actor")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Actor]:
        return super().get_queryset(request).annotate(n=Count("article_links"))

    @admin.display(description="articles", ordering="n")
    def article_count(self, obj: Actor) -> int:
        return obj.n  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Actor, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        curation.actor_changed(obj)

    @admin.action(description="Merge selected actors (later imports keep them merged)", permissions=["change"])
    def merge(self, request: HttpRequest, queryset: QuerySet[Actor]) -> HttpResponse | None:
        return _merge_action(self, request, queryset, curation.merge_actors, "actor")

    @admin.action(description="Not an actor: remove, and keep out of later imports", permissions=["change"])
    def not_an_actor(self, request: HttpRequest, queryset: QuerySet[Actor]) -> None:
        touched = curation.block_actors(list(queryset))
        self.message_user(request, f"Removed; {touched} articles re-indexed.")


@admin.register(MergeSuggestion)
class MergeSuggestionAdmin(admin.ModelAdmin):
    list_display = ("actor", "into", "reason", "created_at", "rejected")
    list_filter = ("rejected", "reason")
    list_select_related = ("actor", "into")
    actions = ("accept", "reject")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Accept: merge the first into the second", permissions=["change"])
    def accept(self, request: HttpRequest, queryset: QuerySet[MergeSuggestion]) -> None:
        self.message_user(request, f"{curation.accept_suggestions(queryset)} merges done.")

    @admin.action(description="Reject: they are different", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[MergeSuggestion]) -> None:
        self.message_user(request, f"{curation.reject_suggestions(queryset)} suggestions rejected.")


@admin.register(ActorAlias)
class ActorAliasAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "actor")
    search_fields = ("key", "actor__name")
    autocomplete_fields = ("actor",)


@admin.register(NameAlias)
class NameAliasAdmin(admin.ModelAdmin):
    """Abbreviations and other spellings of a name (AP = Associated Press): applied on the next
    import and by `extract_actors --all`."""

    list_display = ("alias", "name", "kind")
    search_fields = ("alias", "name")
    list_filter = ("kind",)


@admin.register(ActorBlock)
class ActorBlockAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "key")
    search_fields = ("name", "key")


@admin.register(IndexTask)
class IndexTaskAdmin(admin.ModelAdmin):
    list_display = ("article_id", "action", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PassageMemberInline(admin.TabularInline):
    model = PassageMember
    fields = ("article", "start", "end", "similarity")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(PassageGroup)
class PassageGroupAdmin(admin.ModelAdmin):
    list_display = ("excerpt", "article_count", "outlet_count", "exact", "boilerplate", "learned_boilerplate")
    list_filter = ("boilerplate", "learned_boilerplate", "exact")
    search_fields = ("text",)
    fields = ("text", "article_count", "outlet_count", "exact", "boilerplate", "learned_boilerplate")
    readonly_fields = fields
    inlines = (PassageMemberInline,)
    actions = ("mark_boilerplate", "unmark_boilerplate")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="passage")
    def excerpt(self, obj: PassageGroup) -> str:
        return obj.text[:120]

    @admin.action(description="Boilerplate: hide from highlights and counts (kept across re-imports)", permissions=["change"])
    def mark_boilerplate(self, request: HttpRequest, queryset: QuerySet[PassageGroup]) -> None:
        self.message_user(request, f"{mark_boilerplate(queryset, True)} passages marked as boilerplate.")

    @admin.action(description="Not boilerplate after all", permissions=["change"])
    def unmark_boilerplate(self, request: HttpRequest, queryset: QuerySet[PassageGroup]) -> None:
        self.message_user(request, f"{mark_boilerplate(queryset, False)} passages shown again.")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens for scripts reading the JSON API and the CSV export: the key is shown once, on creation."""

    list_display = ("name", "user", "prefix", "created", "last_used", "revoked")
    list_filter = ("revoked",)
    search_fields = ("name", "user__username", "prefix")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    fields = ("user", "name", "prefix", "created", "last_used", "revoked")
    readonly_fields = ("prefix", "created", "last_used")
    actions = ("revoke",)

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> tuple[str, ...]:
        return self.readonly_fields + (("user",) if obj is not None else ())

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        key = obj.set_new_key() if not change else None
        super().save_model(request, obj, form, change)
        if key:
            self.message_user(
                request,
                f"The token for {obj.user}: {key}  (copy it now: it is shown only once; scripts send "
                f"'Authorization: Bearer {key[:4]}…')",
                messages.WARNING,
            )

    @admin.action(description="Revoke: refuse these tokens from now on", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        self.message_user(request, f"{queryset.update(revoked=True)} tokens revoked.")
