"""Catalog commands: create, update, delete a product; adjust its stock."""

import uuid
from decimal import Decimal
from typing import cast

from commands.errors import CommandRejected, OutOfRange, RejectionCode
from commands.event_log import CommandContext
from commands.events import ProductChanges, ProductCreated, ProductDeleted, ProductUpdated, StockAdjusted
from commands.handlers.command import command
from commands.handlers.recording import CommandResult, load_for_update, record
from commands.models import Product
from commands.rules import MAX_STOCK


def check_sku_free(sku: str) -> None:
    if Product.objects.filter(sku=sku).exists():
        raise CommandRejected(RejectionCode.SKU_TAKEN, f"A product with SKU {sku!r} already exists.", field="sku")


@command("create-product")
def create_product(
    *,
    context: CommandContext,
    sku: str,
    name: str,
    price: Decimal,
    description: str = "",
    stock: int = 0,
    image: str = "",
) -> CommandResult:
    """`image`: the path of an image already in the default storage (the admin's upload stores it first)."""
    check_sku_free(sku)
    product = Product(
        id=uuid.uuid4(), sku=sku, name=name, description=description, price=price, stock=stock, image=image
    )
    event = ProductCreated(sku=sku, name=name, description=description, price=price, stock=stock, image=image)
    return record(product, event, context)


def _live_product(product_id: uuid.UUID, expected_version: int | None) -> Product:
    return load_for_update(
        Product.objects.filter(discontinued=False),
        product_id,
        expected_version=expected_version,
        label="product",
    )


@command("update-product")
def update_product(
    *,
    context: CommandContext,
    product_id: uuid.UUID,
    expected_version: int | None = None,
    name: str | None = None,
    description: str | None = None,
    price: Decimal | None = None,
    image: str | None = None,
) -> CommandResult:
    """`image`: a new stored image's path, or "" to remove the product's image."""
    product = _live_product(product_id, expected_version)
    changes = {
        field: value
        for field, value in (("name", name), ("description", description), ("price", price), ("image", image))
        if value is not None
    }
    for field, value in changes.items():
        setattr(product, field, value)
    return record(product, ProductUpdated(changes=cast(ProductChanges, changes)), context)


@command("delete-product")
def delete_product(
    *, context: CommandContext, product_id: uuid.UUID, expected_version: int | None = None
) -> CommandResult:
    product = _live_product(product_id, expected_version)
    product.discontinued = True
    return record(product, ProductDeleted(sku=product.sku), context)


@command("adjust-stock")
def adjust_stock(
    *,
    context: CommandContext,
    product_id: uuid.UUID,
    delta: int,
    reason: str = "",
    expected_version: int | None = None,
) -> CommandResult:
    product = _live_product(product_id, expected_version)
    if product.stock + delta < 0:
        raise CommandRejected(
            RejectionCode.INSUFFICIENT_STOCK,
            f"Stock of {product.sku} is {product.stock}; it cannot go down by {-delta}.",
            field="delta",
        )
    if product.stock + delta > MAX_STOCK:
        raise OutOfRange({"delta": [f"Stock of {product.sku} would exceed {MAX_STOCK}."]})
    product.stock += delta
    return record(product, StockAdjusted(delta=delta, stock=product.stock, reason=reason), context)
