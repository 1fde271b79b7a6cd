"""Catalog: one row per product with its current stock and the units sold."""

from django.conf import settings

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
from projections.rows import assign, rows
from queries.models import ProductView


class CatalogProjection(Projection):
    name = "catalog"
    rebuild_cost = 12  # filling.py; base.Projection.rebuild_cost
    read_models = (ProductView,)

    @handles(ProductCreated)
    def product_created(self, recorded: Recorded[ProductCreated]) -> None:
        rows().create(
            ProductView(
                id=recorded.aggregate_id,
                currency=settings.SHOP_CURRENCY,
                **recorded.event.fields(),  # sku, name, description, price, stock, image
                **recorded.birth_stamps,
            )
        )

    def _touch(self, recorded: Recorded, **changes: object) -> None:
        product = rows().change(ProductView, recorded.aggregate_id)
        if product is not None:
            assign(product, **recorded.stamps, **changes)

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
            self._move_stock(recorded, line["product_id"], -line["quantity"])

    @handles(OrderCancelled)
    def order_cancelled(self, recorded: Recorded[OrderCancelled]) -> None:
        for line in recorded.event.lines:
            self._move_stock(recorded, line["product_id"], line["quantity"])

    @handles(OrderLineRemoved)
    def order_line_removed(self, recorded: Recorded[OrderLineRemoved]) -> None:
        self._move_stock(recorded, recorded.event.product_id, recorded.event.quantity)

    def _move_stock(self, recorded: Recorded, product_id: object, units: int) -> None:
        """`units` back into stock (negative: sold); a product the catalog does not know is left alone."""
        product = rows().change(ProductView, product_id)
        if product is not None:
            product.stock += units
            product.units_sold -= units
            product.updated_at = recorded.occurred_at
