"""Cached permission sets: reads need no write database, and a change of who holds what counts at once."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.core.cache import cache
from django.db import connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from config import permission_cache
from projections import runner
from tests.factories import make_customer, make_product, place_order

pytestmark = pytest.mark.django_db(databases="__all__")
PAY = "commands.pay_order"


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def fresh(user: AbstractUser) -> AbstractUser:
    """The user as the next request loads it: without the per-object cache of ModelBackend."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def user() -> AbstractUser:
    return get_user_model().objects.create_user(username="pat", is_staff=True)


@pytest.fixture
def write_db_down() -> Iterator[Callable[[], Any]]:
    """A context manager that fails every statement on the write database while it is entered."""

    def refuse(execute: Callable, sql: str, *args: Any) -> Any:
        raise AssertionError(f"the write database was asked: {sql}")

    yield lambda: connections["default"].execute_wrapper(refuse)


def test_a_cached_set_needs_no_database(user, write_db_down):
    user.user_permissions.add(permission(PAY))
    assert fresh(user).has_perm(PAY)
    again = fresh(user)
    with write_db_down():
        assert again.has_perm(PAY)
        assert not again.has_perm("commands.ship_order")


def test_the_first_lookup_reads_the_database_once_per_source(user):
    loaded = fresh(user)
    with CaptureQueriesContext(connections["default"]) as queries:
        loaded.has_perm(PAY)
    assert len(queries) == 2  # the user's own permissions and their groups'


@pytest.mark.parametrize(
    ("grant", "revoke"),
    [
        (lambda u, g: u.user_permissions.add(permission(PAY)), lambda u, g: u.user_permissions.remove(permission(PAY))),
        (lambda u, g: u.user_permissions.add(permission(PAY)), lambda u, g: u.user_permissions.clear()),
        (lambda u, g: u.user_permissions.set([permission(PAY)]), lambda u, g: u.user_permissions.set([])),
        (lambda u, g: u.groups.add(g), lambda u, g: u.groups.remove(g)),
        (lambda u, g: g.user_set.add(u), lambda u, g: g.user_set.remove(u)),
        (lambda u, g: u.groups.add(g), lambda u, g: g.permissions.remove(permission(PAY))),
        (lambda u, g: u.groups.add(g), lambda u, g: permission(PAY).group_set.clear()),
        (lambda u, g: u.groups.add(g), lambda u, g: g.delete()),
    ],
)
def test_every_change_of_who_holds_what_counts_at_once(user, grant, revoke):
    group = Group.objects.create(name="payers")
    group.permissions.add(permission(PAY))
    assert not fresh(user).has_perm(PAY)  # cached: holds nothing
    grant(user, group)
    assert fresh(user).has_perm(PAY)
    revoke(fresh(user), Group.objects.get(pk=group.pk))
    assert not fresh(user).has_perm(PAY)


def test_a_set_cached_while_the_change_commits_is_forgotten_at_commit(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user.user_permissions.add(permission(PAY))
        # Another request, still seeing the committed state, caches the old (empty) set meanwhile.
        assert fresh(user).has_perm(PAY)  # this transaction's own reader sees its change
        generation = permission_cache.current_generation()
        assert generation is not None
        for source in ("user", "group"):
            cache.set(permission_cache.permissions_key(user, source, generation), set())
        assert not fresh(user).has_perm(PAY)
    assert fresh(user).has_perm(PAY)


def test_without_a_cache_permissions_come_from_the_database(user, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    user.user_permissions.add(permission(PAY))
    assert fresh(user).has_perm(PAY)
    user.user_permissions.clear()
    assert not fresh(user).has_perm(PAY)


def test_an_inactive_user_holds_nothing(user):
    user.user_permissions.add(permission(PAY))
    assert fresh(user).has_perm(PAY)
    user.is_active = False
    user.save()
    assert not fresh(user).has_perm(PAY)


def test_staff_reads_of_every_order_need_no_write_database(user, write_db_down):
    """The permission check of a query is served from the cache once warm (authentication aside)."""
    place_order(make_customer(), (make_product(), 1))
    runner.run_all()
    user.user_permissions.add(permission("queries.view_orderview"))
    client = APIClient()
    client.force_authenticate(fresh(user))
    assert len(client.get("/api/v1/orders/").json()["results"]) == 1  # warms the cache
    client.force_authenticate(fresh(user))
    with write_db_down():
        response = client.get("/api/v1/orders/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
