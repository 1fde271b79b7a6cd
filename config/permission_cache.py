"""Django's ModelBackend with its permission sets kept in the cache, so that reads need no write database.

Queries check `has_perm` (who sees every row), and ModelBackend reads a user's permissions from the auth
tables on the write database on every request. Here the sets are cached per user under a *generation*: any
change to who holds what (a user's permissions or groups, a group's permissions, a deleted group or
permission) starts a new generation at once and again when its transaction commits, so no reader keeps an
old set past the commit. A cache that is down costs only the database lookup; `PERMISSIONS_TIMEOUT` bounds
how long a set could outlive a change made while the cache was unreachable.
"""

import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete

GENERATION_KEY = "auth-permissions:generation"
PERMISSIONS_TIMEOUT = 300


def current_generation() -> str | None:
    """The generation cached sets belong to; None when the cache does not answer."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def forget_every_permission_set() -> None:
    """A new generation: every set cached so far is out of date."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def permissions_changed(**kwargs: Any) -> None:
    """Now, for this transaction's own readers; and on commit, for whoever cached the old set meanwhile."""
    if str(kwargs.get("action", "")).startswith("pre_"):
        return
    forget_every_permission_set()
    transaction.on_commit(forget_every_permission_set)


def permissions_key(user: Any, source: str, generation: str) -> str:
    # date_joined tells a user from an earlier one with the same id (a restored or recreated database).
    return f"auth-permissions:{generation}:{source}:{user.pk}:{user.date_joined.timestamp()}:{user.is_superuser}"


class CachedPermissionsBackend(ModelBackend):
    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return self.cached(user_obj, obj, "user", super().get_user_permissions)

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return self.cached(user_obj, obj, "group", super().get_group_permissions)

    @staticmethod
    def cached(user_obj: Any, obj: Any, source: str, lookup: Any) -> set[str]:
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return lookup(user_obj, obj)  # nothing to look up: ModelBackend answers without the database
        generation = current_generation()
        if generation is None:
            return lookup(user_obj, obj)
        key = permissions_key(user_obj, source, generation)
        permissions = cache.get(key)
        if permissions is None:
            permissions = set(lookup(user_obj, obj))
            cache.set(key, permissions, timeout=PERMISSIONS_TIMEOUT)
        return set(permissions)


def connect_signals() -> None:
    """Called from an app's ready(): every process that may change permissions must start a new generation."""
    user_model = get_user_model()
    for through in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(permissions_changed, sender=through, dispatch_uid=f"permission-cache-{through}")
    for model in (Group, Permission):
        post_delete.connect(permissions_changed, sender=model, dispatch_uid=f"permission-cache-{model}")
