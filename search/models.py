"""Django finds the app's models here; they live in search.store.models (and search.monitor.models)."""

from __future__ import annotations

from search.store.access import ApiToken
from search.index.postgres.models import PgDocument, PgWord
from search.store.models import (
    Actor,
    ActorAlias,
    ActorBlock,
    ActorKind,
    Article,
    ArticleActor,
    ArticleLocation,
    ArticleCopy,
    BoilerplatePassage,
    DatePrecision,
    IndexTask,
    MergeSuggestion,
    Outlet,
    OutletAlias,
    Paragraph,
    PassageGroup,
    PassageMember,
    PendingEnrichment,
)

from search.monitor.models import Delivery, FollowedPassage, SavedSearch, SavedSearchMatch, Source, SourceItem  # noqa: E402

__all__ = [
    "ApiToken",
    "PgDocument",
    "PgWord",
    "Delivery",
    "FollowedPassage",
    "SavedSearch",
    "SavedSearchMatch",
    "Source",
    "SourceItem",
    "Actor",
    "ActorAlias",
    "ActorBlock",
    "ActorKind",
    "Article",
    "ArticleActor",
    "ArticleLocation",
    "ArticleCopy",
    "BoilerplatePassage",
    "DatePrecision",
    "IndexTask",
    "MergeSuggestion",
    "Outlet",
    "OutletAlias",
    "Paragraph",
    "PassageGroup",
    "PassageMember",
    "PendingEnrichment",
    "PgDocument",
    "PgWord",
]
