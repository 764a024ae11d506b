"""Django finds the app's models here; they live in search.store.models."""

from __future__ import annotations

from search.index.postgres.models import PgDocument, PgWord
from search.store.models import (
    Actor,
    ActorAlias,
    ActorBlock,
    ActorKind,
    Article,
    ArticleActor,
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
    "PgDocument",
    "PgWord",
]
