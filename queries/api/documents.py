"""Product and order documents built straight from the row's values, as the serializers would build them.

Why: once a read is one statement, DRF's field-by-field serialization is the largest share left in the
profile of a list page (twenty products, thirteen fields each, every one through a field object). These
functions write the same JSON by hand; tests/queries/test_documents.py holds them equal to the
serializers (serializers.py), which stay as the contract's description: the OpenAPI schema is theirs.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from rest_framework.request import Request

from queries.models import OrderView, ProductView

CENTS = Decimal("0.01")
ADDRESS_FIELDS = ("line1", "line2", "city", "postal_code", "country")
LINE_TEXT_FIELDS = ("product_id", "sku", "name", "unit_price")


def money(value: Decimal) -> str:
    """A DecimalField(decimal_places=2) as DRF writes it: a string with exactly two places."""
    return f"{value.quantize(CENTS):f}"


def moment(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def text(value: Any) -> str | None:
    return None if value is None else str(value)


def address(value: dict[str, Any] | None) -> dict[str, str | None] | None:
    return None if value is None else {field: text(value[field]) for field in ADDRESS_FIELDS}


def product_document(product: ProductView, request: Request | HttpRequest | None) -> dict[str, Any]:
    image_url = None
    if product.image:
        image_url = request.build_absolute_uri(product.image_url) if request else product.image_url
    return {
        "id": str(product.id),
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "price": money(product.price),
        "currency": product.currency,
        "stock": product.stock,
        "in_stock": product.in_stock,
        "units_sold": product.units_sold,
        "created_at": moment(product.created_at),
        "updated_at": moment(product.updated_at),
        "version": product.version,
        "image_url": image_url,
    }


def order_line(line: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {field: text(line[field]) for field in LINE_TEXT_FIELDS}
    document["quantity"] = None if line["quantity"] is None else int(line["quantity"])
    document["line_total"] = text(line["line_total"])
    return document


def order_document(order: OrderView, request: Request | HttpRequest | None) -> dict[str, Any]:
    return {
        "id": str(order.id),
        "status": order.status,
        "customer": {"id": str(order.customer_id), "name": order.customer_name, "email": order.customer_email},
        "lines": [order_line(line) for line in order.lines],
        "item_count": order.item_count,
        "total": money(order.total),
        "currency": order.currency,
        "tracking_number": order.tracking_number,
        "delivery_address": address(order.delivery_address),
        "created_at": moment(order.created_at),
        "updated_at": moment(order.updated_at),
        "version": order.version,
    }
