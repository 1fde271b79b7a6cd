"""The order emails: confirmation on OrderPlaced, shipped (with the tracking number), cancelled."""

from typing import NamedTuple
from uuid import UUID
from weakref import WeakKeyDictionary

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from commands.events import OrderCancelled, OrderPlaced, OrderShipped
from commands.models import Customer
from projections.base import handles
from projections.reactors import Reactor
from projections.recorded import Recorded
from projections.rows import Rows, rows


class Contact(NamedTuple):
    email: str
    name: str
    language: str


CONTACT_FIELDS = Contact._fields


class OrderEmailsReactor(Reactor):
    name = "order_emails"

    def __init__(self) -> None:
        super().__init__()
        self._contacts: WeakKeyDictionary[Rows, dict[UUID, Contact | None]] = WeakKeyDictionary()

    def contact(self, customer_id: UUID) -> Contact | None:
        """The customer's current details from the write model; every customer the batch names in one query."""
        work = rows()
        known = self._contacts.get(work)
        if known is None:
            known = self._contacts[work] = self._contacts_of(work.keys)
        if customer_id not in known:  # not among the batch's ids (or removed): asked once
            known[customer_id] = self._contacts_of({customer_id}).get(customer_id)
        return known[customer_id]

    def _contacts_of(self, ids: set[UUID]) -> dict[UUID, Contact | None]:
        found = Customer.objects.using("default").filter(pk__in=list(ids)).values_list("pk", *CONTACT_FIELDS)
        return {pk: Contact(*details) for pk, *details in found}

    def _send(self, recorded: Recorded, subject: Promise, template: str, **context: object) -> None:
        customer = self.contact(recorded.event.customer_id)
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
