"""The hand-written documents (queries/api/documents.py) are exactly what the serializers write for the same rows."""

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import pytest
from rest_framework.test import APIRequestFactory

from projections import runner
from queries.api.documents import order_document, product_document
from queries.api.serializers import OrderSerializer, ProductSerializer
from queries.models import OrderView, ProductView
from tests.factories import make_customer, make_product, place_order

pytestmark = pytest.mark.django_db(databases="__all__")
OSLO = timezone(timedelta(hours=1))


def same_json(document: dict, serialized: dict) -> None:
    """Equal values in the same key order: the body, and so its ETag, does not change."""
    assert json.dumps(document) == json.dumps(serialized)


def products() -> list[ProductView]:
    moment = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=OSLO)
    return [
        ProductView(
            id=uuid4(),
            sku="KET-1",
            name="Steel kettle",
            description="",
            price=Decimal("25"),
            currency="EUR",
            stock=0,
            units_sold=7,
            created_at=moment,
            updated_at=moment + timedelta(days=1),
            version=3,
        ),
        ProductView(
            id=uuid4(),
            sku="MUG-1",
            name="Enamel mug ☕",
            description="Blue\nand white",
            price=Decimal("1234567890.50"),
            currency="NOK",
            stock=12,
            units_sold=0,
            image="products/mug.png",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
            updated_at=datetime(2026, 1, 1, tzinfo=UTC),
            version=1,
        ),
    ]


@pytest.mark.parametrize("with_request", [True, False])
def test_product_documents_equal_the_serializer(with_request):
    request = APIRequestFactory().get("/api/v1/products/", secure=True) if with_request else None
    for product in products():
        same_json(product_document(product, request), ProductSerializer(product, context={"request": request}).data)


def orders() -> list[OrderView]:
    moment = datetime(2026, 5, 2, 8, 0, tzinfo=OSLO)
    line = {"product_id": str(uuid4()), "sku": "KET-1", "name": "Kettle", "unit_price": "25.00", "quantity": 2}
    address = {"line1": "1 Main St", "line2": "", "city": "Oslo", "postal_code": "0150", "country": "NO"}
    common = {"customer_id": uuid4(), "customer_name": "Ann", "customer_email": "ann@example.com", "currency": "EUR"}
    return [
        OrderView(
            id=uuid4(),
            status="pending",
            lines=[{**line, "line_total": "50.00"}, {**line, "quantity": 1, "line_total": "25.00", "extra": 1}],
            item_count=3,
            total=Decimal("75.00"),
            delivery_address=None,
            created_at=moment,
            updated_at=moment,
            version=1,
            **common,
        ),
        OrderView(
            id=uuid4(),
            status="shipped",
            lines=[],
            item_count=0,
            total=Decimal("0"),
            tracking_number="TRACK-1",
            delivery_address={**address, "line2": None},
            created_at=moment,
            updated_at=moment + timedelta(hours=5),
            version=4,
            **common,
        ),
    ]


def test_order_documents_equal_the_serializer():
    for order in orders():
        same_json(order_document(order, None), OrderSerializer(order).data)


def test_projected_rows_read_back_equal_the_serializer():
    """Rows as the projections write them and PostgreSQL returns them (numeric scale, timestamps, JSON)."""
    kettle = make_product(price="19.90", stock=5)
    place_order(make_customer(name="Ann"), (kettle, 2))
    runner.run_all()
    request = APIRequestFactory().get("/")
    product = ProductView.objects.get(pk=kettle)
    same_json(product_document(product, request), ProductSerializer(product, context={"request": request}).data)
    order = OrderView.objects.get()
    same_json(order_document(order, request), OrderSerializer(order, context={"request": request}).data)
