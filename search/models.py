"""Django finds the app's models here; they live in search.store.models."""

from __future__ import annotations

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
)

__all__ = [
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
]
