"""Order details: the whole order document, with its customer's current name and email."""

from uuid import UUID

from django.db.models import OuterRef, Subquery

from commands.events import (
    CustomerDetailsUpdated,
    CustomerRegistered,
    OrderCancelled,
    OrderLineRemoved,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
)
from commands.models import OrderStatus
from projections.base import Projection, handles, segment_of
from projections.recorded import Recorded
from projections.rows import assign, rows
from queries.models import OrderCustomer, OrderView


class OrderDetailsProjection(Projection):
    name = "orders"
    rebuild_cost = 36  # filling.py; base.Projection.rebuild_cost
    read_models = (OrderView, OrderCustomer)
    # Each segment keeps its own copy of the customers, as of its own position (see projections/segments.py).
    broadcast_types = frozenset({CustomerRegistered.type_name(), CustomerDetailsUpdated.type_name()})

    @handles(CustomerRegistered)
    def customer_registered(self, recorded: Recorded[CustomerRegistered]) -> None:
        customer = recorded.event
        rows().create(
            OrderCustomer(id=recorded.aggregate_id, segment=self.segment, name=customer.name, email=customer.email)
        )

    @handles(CustomerDetailsUpdated)
    def customer_details_updated(self, recorded: Recorded[CustomerDetailsUpdated]) -> None:
        changes = {key: value for key, value in recorded.event.changes.items() if key in {"name", "email"}}
        if not changes:
            return
        if customer := rows().change(OrderCustomer, (self.segment, recorded.aggregate_id)):
            assign(customer, **changes)
            # The fan-out: every order document of this customer (in this segment) shows the new name and email,
            # set-based.
            rows().later(show_current_customers, (self.segment, self.segments, recorded.aggregate_id))

    @handles(OrderPlaced)
    def order_placed(self, recorded: Recorded[OrderPlaced]) -> None:
        order = recorded.event
        customer = rows().require(OrderCustomer, (self.segment, order.customer_id))
        rows().create(
            OrderView(
                id=recorded.aggregate_id,
                status=OrderStatus.PENDING,
                customer_id=order.customer_id,
                customer_name=customer.name,
                customer_email=customer.email,
                lines=order_document_lines(order),
                item_count=sum(line["quantity"] for line in order.lines),
                total=order.total,
                currency=order.currency,
                delivery_address=order.delivery_address,
                **recorded.birth_stamps,
            )
        )

    def _set_status(self, recorded: Recorded, status: OrderStatus, **changes: object) -> None:
        if order := rows().change(OrderView, recorded.aggregate_id):
            assign(order, status=status, **recorded.stamps, **changes)

    @handles(OrderPaid)
    def order_paid(self, recorded: Recorded[OrderPaid]) -> None:
        self._set_status(recorded, OrderStatus.PAID)

    @handles(OrderShipped)
    def order_shipped(self, recorded: Recorded[OrderShipped]) -> None:
        self._set_status(recorded, OrderStatus.SHIPPED, tracking_number=recorded.event.tracking_number)

    @handles(OrderCancelled)
    def order_cancelled(self, recorded: Recorded[OrderCancelled]) -> None:
        self._set_status(recorded, OrderStatus.CANCELLED, refund_due=recorded.event.previous_status == OrderStatus.PAID)

    @handles(OrderLineRemoved)
    def order_line_removed(self, recorded: Recorded[OrderLineRemoved]) -> None:
        order = rows().require(OrderView, recorded.aggregate_id)
        rows().change(OrderView, order.pk)
        removed = str(recorded.event.product_id)
        order.lines = [line for line in order.lines if line["product_id"] != removed]
        order.item_count = sum(line["quantity"] for line in order.lines)
        order.total = recorded.event.total
        assign(order, **recorded.stamps)


def show_current_customers(renamed: set[tuple[int, int, UUID]]) -> None:
    """One UPDATE … FROM per segment for the batch: these customers' order documents (of that segment only)
    take their current name and email from that segment's copy of the customer."""
    by_segment: dict[tuple[int, int], set[UUID]] = {}
    for segment, count, customer_id in renamed:
        by_segment.setdefault((segment, count), set()).add(customer_id)
    for (segment, count), customer_ids in by_segment.items():
        orders = OrderView.objects.filter(customer_id__in=customer_ids)
        if count > 1:  # the segment hash is not computed in SQL: pick this segment's order ids here
            mine = [pk for pk in orders.values_list("pk", flat=True) if segment_of(pk, count) == segment]
            orders = OrderView.objects.filter(pk__in=mine)
        customer = OrderCustomer.objects.filter(segment=segment, id=OuterRef("customer_id"))
        orders.update(
            customer_name=Subquery(customer.values("name")[:1]),
            customer_email=Subquery(customer.values("email")[:1]),
        )


def order_document_lines(order: OrderPlaced) -> list[dict[str, object]]:
    """The lines as the order document (JSON) shows them: money as two-place strings, with each line's total."""
    return [
        {
            "product_id": str(line["product_id"]),
            "sku": line["sku"],
            "name": line["name"],
            "unit_price": f"{line['unit_price']:.2f}",
            "quantity": line["quantity"],
            "line_total": f"{line['unit_price'] * line['quantity']:.2f}",
        }
        for line in order.lines
    ]
