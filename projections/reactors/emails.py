"""The order emails: confirmation on OrderPlaced, shipped (with the tracking number), cancelled."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from commands.events import OrderCancelled, OrderPlaced, OrderShipped
from commands.models import Customer
from projections.base import handles
from projections.reactors import Reactor
from projections.recorded import Recorded


class OrderEmailsReactor(Reactor):
    name = "order_emails"

    def _send(self, recorded: Recorded, subject: Promise, template: str, **context: object) -> None:
        customer = Customer.objects.using("default").filter(pk=recorded.event.customer_id).first()
        if customer is None or not customer.email:
            return  # a customer removed meanwhile: nobody to write to
        self.send_email(
            recorded,
            to=customer.email,
            language=customer.language,
            subject=subject,
            template=template,
            context={"name": customer.name, "order_id": recorded.aggregate_id, "event": recorded.event, **context},
        )

    @handles(OrderPlaced)
    def order_placed(self, recorded: Recorded[OrderPlaced]) -> None:
        self._send(recorded, _("Your order is confirmed"), "emails/order_placed.txt")

    @handles(OrderShipped)
    def order_shipped(self, recorded: Recorded[OrderShipped]) -> None:
        self._send(recorded, _("Your order is on its way"), "emails/order_shipped.txt")

    @handles(OrderCancelled)
    def order_cancelled(self, recorded: Recorded[OrderCancelled]) -> None:
        self._send(recorded, _("Your order was cancelled"), "emails/order_cancelled.txt")
