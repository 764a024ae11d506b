"""Who may read a private archive: API tokens for scripts, and the permission a role grants.

A token is 40 random characters shown once when it is created; only its SHA-256 is stored,
so a copy of the database (or a backup) does not hand out working tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, models
from django.utils import timezone

READ_PERMISSION = "search.read_archive"  # granted to the readers and curators groups (migration 0007)
READERS, CURATORS = "readers", "curators"
# What the curation admin needs: (model, action) of the search app's models.
CURATOR_PERMISSIONS = [
    ("article", "view"), ("article", "change"),
    ("outlet", "view"), ("outlet", "change"),
    ("outletalias", "view"), ("outletalias", "add"), ("outletalias", "change"), ("outletalias", "delete"),
    ("actor", "view"), ("actor", "change"),
    ("actoralias", "view"), ("actoralias", "add"), ("actoralias", "change"), ("actoralias", "delete"),
    ("actorblock", "view"), ("actorblock", "add"), ("actorblock", "change"), ("actorblock", "delete"),
    ("mergesuggestion", "view"), ("mergesuggestion", "change"),
    ("passagegroup", "view"), ("passagegroup", "change"),
    ("indextask", "view"),
]
TOKEN_LENGTH = 40
PREFIX_LENGTH = 8
LAST_USED_EVERY = timedelta(minutes=1)  # last_used is written at most this often per token


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class ApiToken(models.Model):
    """A per-user key for the JSON API and the CSV export (`Authorization: Bearer <key>`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'nightly export script'.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, editable=False, help_text="The first characters of the key, to tell tokens apart.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.BooleanField(default=False, help_text="A revoked token is refused with 401.")

    class Meta:
        verbose_name = "API token"
        ordering = ["-created"]
        permissions = [("read_archive", "Can search, read and export the archive")]

    def __str__(self) -> str:
        return f"{self.name} ({self.user}, {self.prefix}…)"

    @classmethod
    def issue(cls, user: models.Model, name: str) -> tuple[ApiToken, str]:
        """A new token and its key: the key is not stored, so show it now or never."""
        key = new_key()
        token = cls.objects.create(user=user, name=name, prefix=key[:PREFIX_LENGTH], key_hash=token_hash(key))
        return token, key

    def set_new_key(self) -> str:
        key = new_key()
        self.prefix, self.key_hash = key[:PREFIX_LENGTH], token_hash(key)
        return key


def new_key() -> str:
    return secrets.token_urlsafe(30)  # 30 random bytes: 40 URL-safe characters


def user_for_key(key: str) -> object | None:
    """The active user owning this unrevoked token, or None; notes when the token was used."""
    if len(key) != TOKEN_LENGTH:
        return None
    token = ApiToken.objects.filter(key_hash=token_hash(key), revoked=False).select_related("user").first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used is None or now - token.last_used > LAST_USED_EVERY:
        try:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        except DatabaseError:  # e.g. SQLite busy under a long import: reading matters more than this note
            pass
    return token.user


def ensure_roles(group_model: Any, permission_model: Any, using: str = "default") -> None:
    """Create the readers and curators groups with their permissions, or add what they lack.

    Called by migration 0007 (with its historical models) and after every migrate or flush
    (search/apps.py), so the roles exist whenever the tables do. Permissions an administrator
    added by hand are kept."""
    def permission(codename: str) -> Any:
        return permission_model.objects.using(using).get(content_type__app_label="search", codename=codename)

    read = permission("read_archive")
    readers, _ = group_model.objects.using(using).get_or_create(name=READERS)
    readers.permissions.add(read)
    curators, _ = group_model.objects.using(using).get_or_create(name=CURATORS)
    curators.permissions.add(read, *(permission(f"{action}_{model}") for model, action in CURATOR_PERMISSIONS))
