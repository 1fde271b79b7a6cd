"""Catalog: one row per product with its current stock and the units sold."""

from django.conf import settings
from django.db.models import F

from commands.events import (
    OrderCancelled,
    OrderLineRemoved,
    OrderPlaced,
    ProductCreated,
    ProductDeleted,
    ProductUpdated,
    StockAdjusted,
)
from projections.base import Projection, handles
from projections.recorded import Recorded
from queries.models import ProductView


class CatalogProjection(Projection):
    name = "catalog"
    read_models = (ProductView,)

    @handles(ProductCreated)
    def product_created(self, recorded: Recorded[ProductCreated]) -> None:
        product = recorded.event
        ProductView.objects.create(
            id=recorded.aggregate_id,
            sku=product.sku,
            name=product.name,
            description=product.description,
            price=product.price,
            currency=settings.SHOP_CURRENCY,
            stock=product.stock,
            image=product.image,
            created_at=recorded.occurred_at,
            updated_at=recorded.occurred_at,
            version=recorded.aggregate_version,
        )

    def _touch(self, recorded: Recorded, **changes: object) -> None:
        ProductView.objects.filter(pk=recorded.aggregate_id).update(
            updated_at=recorded.occurred_at, version=recorded.aggregate_version, **changes
        )

    @handles(ProductUpdated)
    def product_updated(self, recorded: Recorded[ProductUpdated]) -> None:
        self._touch(recorded, **recorded.event.changes)

    @handles(ProductDeleted)
    def product_deleted(self, recorded: Recorded[ProductDeleted]) -> None:
        self._touch(recorded, deleted=True)

    @handles(StockAdjusted)
    def stock_adjusted(self, recorded: Recorded[StockAdjusted]) -> None:
        self._touch(recorded, stock=recorded.event.stock)

    @handles(OrderPlaced)
    def order_placed(self, recorded: Recorded[OrderPlaced]) -> None:
        # Orders move stock without bumping the product's version: only catalog commands do that.
        for line in recorded.event.lines:
            ProductView.objects.filter(pk=line["product_id"]).update(
                stock=F("stock") - line["quantity"],
                units_sold=F("units_sold") + line["quantity"],
                updated_at=recorded.occurred_at,
            )

    @handles(OrderCancelled)
    def order_cancelled(self, recorded: Recorded[OrderCancelled]) -> None:
        for line in recorded.event.lines:
            ProductView.objects.filter(pk=line["product_id"]).update(
                stock=F("stock") + line["quantity"],
                units_sold=F("units_sold") - line["quantity"],
                updated_at=recorded.occurred_at,
            )

    @handles(OrderLineRemoved)
    def order_line_removed(self, recorded: Recorded[OrderLineRemoved]) -> None:
        removed = recorded.event
        ProductView.objects.filter(pk=removed.product_id).update(
            stock=F("stock") + removed.quantity,
            units_sold=F("units_sold") - removed.quantity,
            updated_at=recorded.occurred_at,
        )
