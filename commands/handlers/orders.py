"""Order commands: place, pay, ship, cancel, remove a line."""

import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TypedDict

from django.conf import settings

from commands.errors import (
    AggregateNotFound,
    CommandRejected,
    InvalidReference,
    NotAllowed,
    OutOfRange,
    RejectionCode,
)
from commands.event_log import CommandContext
from commands.events import (
    OrderCancelled,
    OrderLineRemoved,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    PlacedLine,
    ReturnedLine,
)
from commands.handlers.command import command
from commands.handlers.recording import CommandResult, check_expected_version, load_for_update, record
from commands.models import Customer, Order, OrderLine, OrderStatus, Product
from commands.rules import MAX_ORDER_TOTAL


class LineInput(TypedDict):
    product_id: uuid.UUID
    quantity: int


def lock_products(product_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Product]:
    """Lock in one fixed order (by id) so that concurrent orders cannot deadlock on each other."""
    products = Product.objects.select_for_update().filter(pk__in=product_ids).order_by("pk")
    return {product.pk: product for product in products}


def save_stock(products: Iterable[Product]) -> None:
    """One UPDATE for all of a command's products, however many lines it has."""
    changed = list(products)
    if len(changed) == 1:
        changed[0].save(update_fields=["stock", "updated_at"])
    else:
        Product.objects.bulk_update(changed, ["stock", "updated_at"])


def check_order_state(order: Order, *allowed: OrderStatus, action: str) -> None:
    if order.status not in allowed:
        raise CommandRejected(RejectionCode.INVALID_STATE, f"A {order.status} order cannot be {action}.")


@command("create-order")
def place_order(
    *,
    context: CommandContext,
    customer_id: uuid.UUID,
    lines: Sequence[LineInput],
    delivery_address: dict[str, str] | None = None,
) -> CommandResult:
    """Without `delivery_address` the order goes to the customer's address of this moment, if they have one."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise InvalidReference({"customer_id": ["No customer has this id."]})
    if delivery_address is None:
        delivery_address = customer.address
    products = lock_products([line["product_id"] for line in lines])
    missing = [{} if line["product_id"] in products else {"product_id": ["No product has this id."]} for line in lines]
    if any(missing):
        raise InvalidReference({"lines": missing})
    for line in lines:
        product = products[line["product_id"]]
        if product.discontinued:
            raise CommandRejected(RejectionCode.PRODUCT_UNAVAILABLE, f"{product.sku} is no longer available.")
        if product.stock < line["quantity"]:
            raise CommandRejected(
                RejectionCode.INSUFFICIENT_STOCK,
                f"Only {product.stock} of {product.sku} left; {line['quantity']} requested.",
            )
    total = sum((products[line["product_id"]].price * line["quantity"] for line in lines), Decimal(0))
    if total > MAX_ORDER_TOTAL:
        raise OutOfRange({"lines": [f"The order total would exceed {MAX_ORDER_TOTAL}."]})
    order = Order(
        id=uuid.uuid4(),
        customer_id=customer_id,
        currency=settings.SHOP_CURRENCY,
        total=total,
        delivery_address=delivery_address,
    )
    snapshot: list[PlacedLine] = []
    for line in lines:
        product = products[line["product_id"]]
        product.stock -= line["quantity"]
        product.updated_at = context.now
        snapshot.append(
            {
                "product_id": product.pk,
                "sku": product.sku,
                "name": product.name,
                "unit_price": product.price,
                "quantity": line["quantity"],
            }
        )
    event = OrderPlaced(
        customer_id=customer_id,
        lines=snapshot,
        total=order.total,
        currency=order.currency,
        delivery_address=delivery_address,
    )
    save_stock(products.values())
    return record(
        order,
        event,
        context,
        also=lambda: OrderLine.objects.bulk_create(OrderLine(order=order, **line) for line in snapshot),
    )


def _order_in(status: OrderStatus, order_id: uuid.UUID, expected_version: int | None, *, action: str) -> Order:
    """The order, locked, if it is in `status` (the one status it can be `action`, e.g. "paid", from)."""
    order = load_for_update(Order.objects.all(), order_id, expected_version=expected_version, label="order")
    check_order_state(order, status, action=action)
    return order


@command("pay-order")
def pay_order(
    *,
    context: CommandContext,
    order_id: uuid.UUID,
    amount: Decimal | None = None,
    expected_version: int | None = None,
    payment_reference: str = "",
) -> CommandResult:
    order = _order_in(OrderStatus.PENDING, order_id, expected_version, action="paid")
    if amount is not None and amount != order.total:
        raise CommandRejected(RejectionCode.AMOUNT_MISMATCH, f"The order total is {order.total:.2f}, not {amount:.2f}.")
    order.status = OrderStatus.PAID
    event = OrderPaid(customer_id=order.customer_id, amount=order.total, payment_reference=payment_reference)
    return record(order, event, context)


@command("ship-order")
def ship_order(
    *,
    context: CommandContext,
    order_id: uuid.UUID,
    tracking_number: str = "",
    expected_version: int | None = None,
) -> CommandResult:
    order = _order_in(OrderStatus.PAID, order_id, expected_version, action="shipped")
    order.status = OrderStatus.SHIPPED
    order.tracking_number = tracking_number
    event = OrderShipped(customer_id=order.customer_id, tracking_number=tracking_number)
    return record(order, event, context)


@command("cancel-order")
def cancel_order(
    *,
    context: CommandContext,
    order_id: uuid.UUID,
    reason: str = "",
    expected_version: int | None = None,
    as_customer: uuid.UUID | None = None,
) -> CommandResult:
    """`as_customer`: the customer asking, who may cancel only their own pending orders."""
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or (as_customer is not None and order.customer_id != as_customer):
        raise AggregateNotFound("order")
    check_expected_version(order, expected_version)
    if as_customer is not None and order.status != OrderStatus.PENDING:
        raise NotAllowed("Only pending orders can be cancelled by the customer; please contact us.")
    check_order_state(order, OrderStatus.PENDING, OrderStatus.PAID, action="cancelled")
    lines: list[ReturnedLine] = [
        {"product_id": product_id, "quantity": quantity}
        for product_id, quantity in order.lines.values_list("product_id", "quantity")
    ]
    products = lock_products([line["product_id"] for line in lines])
    for line in lines:
        product = products[line["product_id"]]
        product.stock += line["quantity"]
        product.updated_at = context.now
    save_stock(products.values())
    previous_status = order.status
    order.status = OrderStatus.CANCELLED
    event = OrderCancelled(
        customer_id=order.customer_id,
        previous_status=OrderStatus(previous_status),
        reason=reason,
        total=order.total,
        lines=lines,
    )
    return record(order, event, context)


@command("remove-order-line")
def remove_order_line(
    *,
    context: CommandContext,
    order_id: uuid.UUID,
    product_id: uuid.UUID,
    expected_version: int | None = None,
) -> CommandResult:
    """An order keeps at least one line: taking the last one away is refused, cancelling is the way to empty it."""
    order = _order_in(OrderStatus.PENDING, order_id, expected_version, action="changed")
    lines = list(order.lines.order_by("pk"))
    line = next((line for line in lines if line.product_id == product_id), None)
    if line is None:
        raise InvalidReference({"product_id": ["This order has no line for this product."]})
    if len(lines) == 1:
        raise CommandRejected(RejectionCode.INVALID_STATE, "This is the order's only line; cancel the order instead.")
    product = lock_products([product_id])[product_id]
    product.stock += line.quantity
    product.updated_at = context.now
    product.save(update_fields=["stock", "updated_at"])
    line_total = line.unit_price * line.quantity
    line.delete()
    order.total -= line_total
    event = OrderLineRemoved(
        customer_id=order.customer_id,
        product_id=product_id,
        sku=line.sku,
        quantity=line.quantity,
        line_total=line_total,
        total=order.total,
    )
    return record(order, event, context)
