"""A cache of knox token lookups, so that an API query with a token never needs the write database.

Why a cache and not moving the tables: knox_authtoken, auth_user and the permission tables belong to the
write side (logins, revocations and group changes are writes, and the admin edits them there); a copy on
the read side would be a second projection of non-event data. Instead each successful lookup is kept in
the shared cache (django-redis) under the token's digest — never the token itself — holding the token row
with its user, whose permission caches (ModelBackend's `_perm_cache`, `_user_perm_cache`,
`_group_perm_cache`) are filled first, so `user.has_perm(...)` answers without a query.

A cache must never let through what the database would refuse:
- an entry lives at most `AUTH_TOKEN_CACHE_SECONDS` and never past the token's expiry;
- every deletion of a token row (logout, log out everywhere, admin revoke, password change, a deleted user)
  deletes its entry (`post_delete`);
- every change to a user, a group, a permission or their memberships (is_active, groups, user or group
  permissions) replaces one "auth generation" that each entry must match, so all entries miss at once;
- both happen at once and again after the transaction commits, so a lookup that read the old rows while
  the change was in flight cannot keep them;
- a lost generation key (eviction, flush) counts as a new generation.
With no shared cache (`make run` without Redis: a per-process local memory cache that other processes
could not invalidate) the setting defaults to 0 and every lookup goes to the database, as knox does.
"""

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth import get_backends, get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from knox.models import AuthToken

GENERATION_KEY = "auth-token-cache:generation"
ENTRY_KEY = "auth-token-cache:token:{digest}"
WRITE_DB = "default"


def cache_seconds() -> int:
    return int(getattr(settings, "AUTH_TOKEN_CACHE_SECONDS", 0))


def generation_before_lookup() -> str | None:
    """The generation to store with what a database lookup is about to read (None: caching is off)."""
    if cache_seconds() <= 0:
        return None
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    return None if generation is None else str(generation)  # None: the cache is down


def cached_token(digest: str) -> AuthToken | None:
    """The token row (with its user) cached for `digest`, if it is still the current truth."""
    if cache_seconds() <= 0:
        return None
    found = cache.get_many([GENERATION_KEY, ENTRY_KEY.format(digest=digest)])
    entry = found.get(ENTRY_KEY.format(digest=digest))
    generation = found.get(GENERATION_KEY)
    if entry is None or generation is None or entry["generation"] != generation:
        return None
    token: AuthToken = entry["token"]
    if token.expiry is not None and token.expiry <= timezone.now():
        return None
    return token


def remember_token(token: AuthToken, *, generation: str | None) -> None:
    """Cache a token found in the database; `generation` must have been read before that lookup."""
    if generation is None:
        return
    seconds = cache_seconds()
    if token.expiry is not None:
        seconds = min(seconds, int((token.expiry - timezone.now()).total_seconds()))
    if seconds <= 0:
        return
    for backend in get_backends():
        # Fills the user's permission caches, so has_perm on the cached user needs no query.
        if hasattr(backend, "get_all_permissions"):
            backend.get_all_permissions(token.user)
    cache.set(ENTRY_KEY.format(digest=token.digest), {"generation": generation, "token": token}, timeout=seconds)


def forget_token(digest: str) -> None:
    cache.delete(ENTRY_KEY.format(digest=digest))


def new_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def now_and_after_commit(action: Any, *args: Any) -> None:
    action(*args)
    transaction.on_commit(lambda: action(*args), using=WRITE_DB, robust=True)


def token_deleted(sender: type, instance: AuthToken, **kwargs: Any) -> None:
    now_and_after_commit(forget_token, instance.digest)


def user_saved(sender: type, created: bool, update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return  # a new user has no cached token; every log-in saves last_login, which grants nothing
    now_and_after_commit(new_generation)


def auth_changed(sender: type, **kwargs: Any) -> None:
    if kwargs.get("created") or not kwargs.get("action", "post_").startswith("post_"):
        return  # a new group or permission is held by nobody yet; m2m "pre_" signals come before the change
    now_and_after_commit(new_generation)


def connect_receivers() -> None:
    user_model = get_user_model()
    post_delete.connect(token_deleted, sender=AuthToken, dispatch_uid="token_cache.token_deleted")
    post_save.connect(user_saved, sender=user_model, dispatch_uid="token_cache.user_saved")
    for model in (user_model, Group, Permission):
        post_delete.connect(auth_changed, sender=model, dispatch_uid=f"token_cache.deleted.{model.__name__}")
    for model in (Group, Permission):
        post_save.connect(auth_changed, sender=model, dispatch_uid=f"token_cache.saved.{model.__name__}")
    for through in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(auth_changed, sender=through, dispatch_uid=f"token_cache.m2m.{through.__name__}")
