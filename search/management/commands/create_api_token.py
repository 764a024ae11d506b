"""python manage.py create_api_token USER NAME: a token for scripts, printed once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.store.access import ApiToken


class Command(BaseCommand):
    help = (
        "Create an API token for USER (scripts send 'Authorization: Bearer <token>' to /api/ and "
        "/export.csv). Only the token is printed, once: it is stored hashed. Revoke it in the admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'nightly export'")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: options["username"]})
        except User.DoesNotExist:
            raise CommandError(f"no user named {options['username']!r}") from None
        _, key = ApiToken.issue(user, options["name"])
        self.stdout.write(key)
