"""Customer summary: details plus orders_count, total_spent and last_order_at."""

from decimal import Decimal

from commands.events import CustomerDetailsUpdated, CustomerRegistered, OrderCancelled, OrderPaid, OrderPlaced
from commands.models import OrderStatus
from projections.base import Projection, handles
from projections.recorded import Recorded
from projections.rows import assign, rows
from queries.models import CustomerView


class CustomerSummaryProjection(Projection):
    name = "customers"
    rebuild_cost = 13  # filling.py; base.Projection.rebuild_cost
    read_models = (CustomerView,)

    @handles(CustomerRegistered)
    def customer_registered(self, recorded: Recorded[CustomerRegistered]) -> None:
        details = recorded.event.fields()  # email, name, phone, address, user_id, language
        rows().create(CustomerView(id=recorded.aggregate_id, **details, **recorded.birth_stamps))

    @handles(CustomerDetailsUpdated)
    def customer_details_updated(self, recorded: Recorded[CustomerDetailsUpdated]) -> None:
        if customer := rows().change(CustomerView, recorded.aggregate_id):
            assign(customer, **recorded.stamps, **recorded.event.changes)

    @handles(OrderPlaced)
    def order_placed(self, recorded: Recorded[OrderPlaced]) -> None:
        if customer := rows().change(CustomerView, recorded.event.customer_id):
            customer.orders_count += 1
            customer.last_order_at = recorded.occurred_at

    @handles(OrderPaid)
    def order_paid(self, recorded: Recorded[OrderPaid]) -> None:
        if customer := rows().change(CustomerView, recorded.event.customer_id):
            customer.total_spent += recorded.event.amount

    @handles(OrderCancelled)
    def order_cancelled(self, recorded: Recorded[OrderCancelled]) -> None:
        cancelled = recorded.event
        refund = cancelled.total if cancelled.previous_status == OrderStatus.PAID else Decimal(0)
        if customer := rows().change(CustomerView, cancelled.customer_id):
            customer.orders_count -= 1
            customer.total_spent -= refund
