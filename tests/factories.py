"""Test data made the only way the shop makes it: through the command handlers."""

import itertools
import uuid
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Permission

from commands.event_log import CommandContext
from commands.handlers import customers, orders, products
from commands.handlers.recording import CommandResult

_sequence = itertools.count(1)


def context(command: str = "test") -> CommandContext:
    return CommandContext(command=command, actor="test")


def make_staff(username: str = "staff", password: str = "staff-pass-123") -> AbstractUser:
    """A staff user holding every permission of the shop's apps: `is_staff` alone would grant nothing."""
    user = get_user_model().objects.create_user(username=username, password=password, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=("commands", "queries")))
    return user


def make_product(*, stock: int = 10, price: str = "9.99", name: str | None = None, sku: str | None = None) -> uuid.UUID:
    n = next(_sequence)
    return products.create_product(
        context=context("create-product"),
        sku=sku or f"SKU-{n}-{uuid.uuid4().hex[:6]}",
        name=name or f"Product {n}",
        description=f"Description of product {n}",
        price=Decimal(price),
        stock=stock,
    ).aggregate_id


def make_customer(*, name: str | None = None, email: str | None = None, password: str | None = None) -> uuid.UUID:
    n = next(_sequence)
    return customers.register_customer(
        context=context("register-customer"),
        email=email or f"customer{n}-{uuid.uuid4().hex[:6]}@example.com",
        name=name or f"Customer {n}",
        password=password,
    ).aggregate_id


def place_order(customer_id: uuid.UUID, *lines: tuple[uuid.UUID, int]) -> CommandResult:
    return orders.place_order(
        context=context("create-order"),
        customer_id=customer_id,
        lines=[{"product_id": product_id, "quantity": quantity} for product_id, quantity in lines],
    )
