"""python manage.py grant_role USER reader|curator [--revoke]: give or take a role in the archive."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.store.access import CURATORS, READERS

ROLES = {"reader": READERS, "curator": CURATORS}


class Command(BaseCommand):
    help = (
        "Add a user to the readers (search, read, export) or the curators (also the admin's curation "
        "edits; curators get staff status so they can enter the admin). --revoke takes the role away."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=sorted(ROLES))
        parser.add_argument("--revoke", action="store_true", help="remove the role instead")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: options["username"]})
        except User.DoesNotExist:
            raise CommandError(f"no user named {options['username']!r} (create one with createsuperuser or in the admin)") from None
        group = Group.objects.get(name=ROLES[options["role"]])
        if options["revoke"]:
            user.groups.remove(group)
            if options["role"] == "curator" and not user.is_superuser:
                user.is_staff = False
                user.save(update_fields=["is_staff"])
            self.stdout.write(f"{user}: no longer a {options['role']}")
            return
        user.groups.add(group)
        if options["role"] == "curator" and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        self.stdout.write(f"{user}: now a {options['role']}" + (" (staff: may enter the admin)" if options["role"] == "curator" else ""))
