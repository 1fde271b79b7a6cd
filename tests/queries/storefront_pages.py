"""Shared helpers of the storefront view tests: shoppers made through the command handlers."""

import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.test import Client

from projections import runner
from queries.models import CustomerView
from tests.factories import make_customer

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Shopper:
    customer_id: uuid.UUID
    email: str
    client: Client


def project() -> None:
    """Bring every read model up to date, as the worker would."""
    runner.run_all()


# The checkout form's delivery address fields, filled in.
DELIVERY = {
    "delivery-line1": "Hauptstr. 1",
    "delivery-city": "Berlin",
    "delivery-postal_code": "10115",
    "delivery-country": "de",
}


def make_shopper(name: str = "Ann Example") -> Shopper:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    customer_id = make_customer(name=name, email=email, password=PASSWORD)
    project()
    client = Client()
    client.force_login(get_user_model().objects.get(username=email))
    assert CustomerView.objects.filter(pk=customer_id).exists()
    return Shopper(customer_id=customer_id, email=email, client=client)
