"""Catalog: one row per product with its current stock and the units sold."""

from decimal import Decimal

from django.conf import settings
from django.db.models import F

from commands.models import Event
from projections.base import Projection
from queries.models import ProductView


class CatalogProjection(Projection):
    name = "catalog"
    handles = (
        "ProductCreated",
        "ProductUpdated",
        "ProductDeleted",
        "StockAdjusted",
        "OrderPlaced",
        "OrderCancelled",
    )
    read_models = (ProductView,)

    def product_created(self, event: Event) -> None:
        data = event.payload
        ProductView.objects.create(
            id=event.aggregate_id,
            sku=data["sku"],
            name=data["name"],
            description=data["description"],
            price=Decimal(data["price"]),
            currency=settings.SHOP_CURRENCY,
            stock=data["stock"],
            image=data.get("image", ""),  # absent from events recorded before product images
            created_at=event.occurred_at,
            updated_at=event.occurred_at,
            version=event.aggregate_version,
        )

    def _touch(self, event: Event, **changes: object) -> None:
        ProductView.objects.filter(pk=event.aggregate_id).update(
            updated_at=event.occurred_at, version=event.aggregate_version, **changes
        )

    def product_updated(self, event: Event) -> None:
        changes = dict(event.payload["changes"])
        if "price" in changes:
            changes["price"] = Decimal(changes["price"])
        self._touch(event, **changes)

    def product_deleted(self, event: Event) -> None:
        self._touch(event, deleted=True)

    def stock_adjusted(self, event: Event) -> None:
        self._touch(event, stock=event.payload["stock"])

    def order_placed(self, event: Event) -> None:
        # Orders move stock without bumping the product's version: only catalog commands do that.
        for line in event.payload["lines"]:
            ProductView.objects.filter(pk=line["product_id"]).update(
                stock=F("stock") - line["quantity"],
                units_sold=F("units_sold") + line["quantity"],
                updated_at=event.occurred_at,
            )

    def order_cancelled(self, event: Event) -> None:
        for line in event.payload["lines"]:
            ProductView.objects.filter(pk=line["product_id"]).update(
                stock=F("stock") + line["quantity"],
                units_sold=F("units_sold") - line["quantity"],
                updated_at=event.occurred_at,
            )
