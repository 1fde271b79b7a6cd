"""Shared helpers of the admin tests: staff users with exactly the permissions a test names."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client

from commands.models import Event


def staff_client(*permissions: str, username: str = "staffer", superuser: bool = False) -> Client:
    """A logged-in client of a staff user holding `permissions` ("app_label.codename")."""
    # No password: hashing one costs a noticeable part of a second, and force_login needs none.
    user = get_user_model().objects.create_user(username=username, is_staff=True, is_superuser=superuser)
    for name in permissions:
        app_label, codename = name.split(".", 1)
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    client = Client()
    client.force_login(user)
    client.user = user  # type: ignore[attr-defined]
    return client


def actor(client: Client) -> str:
    return f"user:{client.user.pk}"  # type: ignore[attr-defined]


def messages_of(response: HttpResponse) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def last_event(aggregate_id: Any = None) -> Event:
    events = Event.objects.order_by("-position")
    if aggregate_id is not None:
        events = events.filter(aggregate_id=aggregate_id)
    return events.first()


def assert_refused_by_form(response: HttpResponse, fields: set[str]) -> None:
    """The form sent no command: the page comes back with errors on exactly `fields`, and the log is empty."""
    assert response.status_code == 200
    assert set(response.context["form"].errors) == fields  # type: ignore[attr-defined]
    assert not Event.objects.exists()
