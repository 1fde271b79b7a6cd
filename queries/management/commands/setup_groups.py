"""`manage.py setup_groups`: the staff groups of the admin, with exactly their permissions; safe to run again."""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# "app_label.codename": queries.* opens the read-model pages and shows every row of their API resource,
# commands.* the commands on them (the admin's forms and the API alike). README: "Who may do what".
GROUPS: dict[str, tuple[str, ...]] = {
    "support": (
        "queries.view_orderview",
        "queries.view_customerview",
        "commands.add_order",  # place an order for a customer who phones in
        "commands.change_order",  # remove a line of a pending order
        "commands.cancel_order",
    ),
    "catalog": (
        "queries.view_productview",
        "commands.add_product",
        "commands.change_product",
        "commands.delete_product",
        "commands.adjust_stock",
    ),
}


def permission(name: str) -> Permission:
    app_label, codename = name.split(".", 1)
    found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if found is None:
        raise CommandError(f"Permission {name} does not exist; run migrate first.")
    return found


def setup_groups() -> dict[str, int]:
    """Create or reset each group to exactly its permissions; returns the permission count per group."""
    with transaction.atomic():
        counts = {}
        for name, permissions in GROUPS.items():
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.set([permission(each) for each in permissions])
            counts[name] = len(permissions)
        return counts


class Command(BaseCommand):
    help = 'Create the admin\'s staff groups: "support" (orders and customers) and "catalog" (products and stock).'

    def handle(self, *args: Any, **options: Any) -> None:
        for name, count in setup_groups().items():
            self.stdout.write(f"{name}: {count} permissions")
        # is_staff only opens the admin's door: what a user may see and do comes from their groups.
        self.stdout.write("Add staff users (is_staff) to a group in Authentication and Authorization > Users.")
