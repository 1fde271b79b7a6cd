"""A mixed shop history made through the command handlers, and whole-read-side snapshots to compare."""

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from commands.handlers import customers, orders, products
from projections import segments, verification
from projections.models import Checkpoint
from projections.registry import PROJECTIONS
from tests.factories import context, make_customer, make_product, place_order


def read_side_snapshot() -> dict[str, Any]:
    """Every row of every read model, by projection, plus each checkpoint's (each segment's) position."""
    return {
        "rows": {name: verification.snapshot(projection) for name, projection in PROJECTIONS.items()},
        "checkpoints": dict(Checkpoint.objects.filter(name__in=segments.expand()).values_list("name", "position")),
    }


def query_documents(client: Any) -> dict[str, Any]:
    """What the query API answers, list and detail, for every resource (bodies only)."""
    documents: dict[str, Any] = {}
    for resource in ("products", "customers", "orders", "events"):
        listing = client.get(f"/api/v1/{resource}/", {"page_size": 100})
        assert listing.status_code == 200, listing.content
        documents[resource] = listing.json()
        if resource != "events":
            for item in listing.json()["results"]:
                detail = client.get(f"/api/v1/{resource}/{item['id']}/")
                documents[f"{resource}/{item['id']}"] = detail.json()
    return documents


def mixed_history(*, between: Callable[[], object] = lambda: None) -> dict[str, Any]:
    """Every command type, with `between()` called at several points (e.g. to project part of it live)."""
    # Unique emails and SKUs: a test may make this history several times.
    kettle = make_product(price="20.00", stock=50, name="Kettle")
    mug = make_product(price="4.50", stock=100, name="Mug")
    lamp = make_product(price="35.00", stock=5, name="Lamp")
    ann = make_customer(name="Ann")
    bob = customers.register_customer(
        context=context("register-customer"),
        email=f"bob-{uuid.uuid4().hex[:8]}@example.com",
        name="Bob",
        phone="+49 30 1234",
        address={"line1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country": "DE"},
        password="bob-secret-123",
    ).aggregate_id
    between()
    paid = place_order(ann, (kettle, 2), (mug, 4)).aggregate_id
    orders.pay_order(context=context("pay-order"), order_id=paid)
    shipped = place_order(bob, (lamp, 1)).aggregate_id
    orders.pay_order(context=context("pay-order"), order_id=shipped, amount=Decimal("35.00"))
    orders.ship_order(context=context("ship-order"), order_id=shipped, tracking_number="TRACK-9")
    between()
    cancelled_pending = place_order(ann, (mug, 10)).aggregate_id
    orders.cancel_order(context=context("cancel-order"), order_id=cancelled_pending, reason="changed mind")
    refunded = place_order(bob, (kettle, 1), (lamp, 2)).aggregate_id
    orders.pay_order(context=context("pay-order"), order_id=refunded)
    orders.cancel_order(context=context("cancel-order"), order_id=refunded)
    between()
    products.update_product(context=context("update-product"), product_id=kettle, name="Steel kettle")
    products.update_product(context=context("update-product"), product_id=mug, price=Decimal("5.00"))
    products.adjust_stock(context=context("adjust-stock"), product_id=lamp, delta=7, reason="delivery")
    customers.update_customer_details(context=context("update-customer-details"), customer_id=ann, name="Ann B.")
    customers.update_customer_details(context=context("update-customer-details"), customer_id=ann, language="ru")
    customers.update_customer_details(
        context=context("update-customer-details"),
        customer_id=bob,
        email=f"robert-{uuid.uuid4().hex[:8]}@example.com",
        phone="",
    )
    between()
    pending = place_order(ann, (mug, 3), (lamp, 1)).aggregate_id  # at the new mug price
    trimmed = place_order(bob, (kettle, 1), (mug, 2)).aggregate_id
    orders.remove_order_line(context=context("remove-order-line"), order_id=trimmed, product_id=mug)
    products.delete_product(context=context("delete-product"), product_id=lamp)
    between()
    return {
        "kettle": kettle,
        "mug": mug,
        "lamp": lamp,
        "ann": ann,
        "bob": bob,
        "pending": pending,
        "paid": paid,
        "trimmed": trimmed,
    }
