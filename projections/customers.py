"""Customer summary: details plus orders_count, total_spent and last_order_at."""

from decimal import Decimal

from django.db.models import F

from commands.models import Event
from projections.base import Projection
from queries.models import CustomerView


class CustomerSummaryProjection(Projection):
    name = "customers"
    handles = ("CustomerRegistered", "CustomerDetailsUpdated", "OrderPlaced", "OrderPaid", "OrderCancelled")
    read_models = (CustomerView,)

    def customer_registered(self, event: Event) -> None:
        data = event.payload
        CustomerView.objects.create(
            id=event.aggregate_id,
            user_id=data["user_id"],
            email=data["email"],
            name=data["name"],
            phone=data["phone"],
            address=data["address"],
            created_at=event.occurred_at,
            updated_at=event.occurred_at,
            version=event.aggregate_version,
        )

    def customer_details_updated(self, event: Event) -> None:
        CustomerView.objects.filter(pk=event.aggregate_id).update(
            updated_at=event.occurred_at, version=event.aggregate_version, **event.payload["changes"]
        )

    def order_placed(self, event: Event) -> None:
        CustomerView.objects.filter(pk=event.payload["customer_id"]).update(
            orders_count=F("orders_count") + 1, last_order_at=event.occurred_at
        )

    def order_paid(self, event: Event) -> None:
        CustomerView.objects.filter(pk=event.payload["customer_id"]).update(
            total_spent=F("total_spent") + Decimal(event.payload["amount"])
        )

    def order_cancelled(self, event: Event) -> None:
        refund = Decimal(event.payload["total"]) if event.payload["previous_status"] == "paid" else Decimal(0)
        CustomerView.objects.filter(pk=event.payload["customer_id"]).update(
            orders_count=F("orders_count") - 1, total_spent=F("total_spent") - refund
        )
