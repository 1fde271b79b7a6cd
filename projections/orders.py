"""Order details: the whole order document, with its customer's current name and email."""

from decimal import Decimal

from commands.models import Event
from projections.base import Projection
from queries.models import OrderCustomer, OrderView


class OrderDetailsProjection(Projection):
    name = "orders"
    handles = (
        "CustomerRegistered",
        "CustomerDetailsUpdated",
        "OrderPlaced",
        "OrderPaid",
        "OrderShipped",
        "OrderCancelled",
    )
    read_models = (OrderView, OrderCustomer)

    def customer_registered(self, event: Event) -> None:
        OrderCustomer.objects.create(id=event.aggregate_id, name=event.payload["name"], email=event.payload["email"])

    def customer_details_updated(self, event: Event) -> None:
        changes = {key: value for key, value in event.payload["changes"].items() if key in {"name", "email"}}
        if not changes:
            return
        OrderCustomer.objects.filter(pk=event.aggregate_id).update(**changes)
        # The fan-out: every order document of this customer shows the new name and email.
        OrderView.objects.filter(customer_id=event.aggregate_id).update(
            **{f"customer_{key}": value for key, value in changes.items()}
        )

    def order_placed(self, event: Event) -> None:
        data = event.payload
        customer = OrderCustomer.objects.get(pk=data["customer_id"])
        lines = [
            {
                "product_id": line["product_id"],
                "sku": line["sku"],
                "name": line["name"],
                "unit_price": line["unit_price"],
                "quantity": line["quantity"],
                "line_total": f"{Decimal(line['unit_price']) * line['quantity']:.2f}",
            }
            for line in data["lines"]
        ]
        OrderView.objects.create(
            id=event.aggregate_id,
            status="pending",
            customer_id=data["customer_id"],
            customer_name=customer.name,
            customer_email=customer.email,
            lines=lines,
            item_count=sum(line["quantity"] for line in lines),
            total=Decimal(data["total"]),
            currency=data["currency"],
            created_at=event.occurred_at,
            updated_at=event.occurred_at,
            version=event.aggregate_version,
        )

    def _set_status(self, event: Event, status: str, **changes: object) -> None:
        OrderView.objects.filter(pk=event.aggregate_id).update(
            status=status, updated_at=event.occurred_at, version=event.aggregate_version, **changes
        )

    def order_paid(self, event: Event) -> None:
        self._set_status(event, "paid")

    def order_shipped(self, event: Event) -> None:
        self._set_status(event, "shipped", tracking_number=event.payload["tracking_number"])

    def order_cancelled(self, event: Event) -> None:
        self._set_status(event, "cancelled")
