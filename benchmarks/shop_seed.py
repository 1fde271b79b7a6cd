"""The bulk seeder: a ShopPlan written with COPY into both databases, as the handlers and projections would leave it.

Write models, the event log (payloads built by the event classes themselves), every projection's read models and
checkpoints at the head. Nothing goes through a handler or a projection: at a million orders that would take an
hour. `verify_projections` is the proof that the rows equal a replay (a test runs it on a tiny scale).
"""

import json
import sys
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import connections, models, transaction
from django.utils import timezone

from benchmarks.shop_plan import INITIAL_STOCK, PlannedOrder, Scale, ShopPlan, Totals
from commands.event_log import CommandContext
from commands.events import (
    CustomerRegistered,
    DomainEvent,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    PlacedLine,
    ProductCreated,
    ReturnedLine,
)
from commands.models import Customer, Event, Order, OrderLine, OrderStatus, Product
from projections import segments
from projections.models import Checkpoint
from projections.registry import CONSUMERS
from queries.models import CustomerView, EventRecord, OrderCustomer, OrderView, ProductView

WRITE, READ = "default", "read"
ORDER_CHUNK = 20_000
SAMPLE = 1000  # ids of each kind handed to the harness


@dataclass(frozen=True)
class Seeded:
    scale: Scale
    events: int
    head: int
    product_ids: list[str]
    customer_ids: list[str]
    order_ids: list[str]


def copy_rows(alias: str, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into the model's table; JSON columns arrive as already-dumped strings."""
    table = model._meta.db_table
    column_of = {field.attname: field.column for field in model._meta.concrete_fields}
    names = ", ".join(f'"{column_of[name]}"' for name in columns)
    count = 0
    with connections[alias].cursor() as cursor, cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


class EventRows:
    """Event rows for the write log and their EventRecord copies for the feed, collected per chunk."""

    COLUMNS = ("position", "aggregate_type", "aggregate_id", "aggregate_version", "type", "payload", "occurred_at")

    def __init__(self, plan: ShopPlan, metadata: str) -> None:
        self.plan = plan
        self.metadata = metadata
        self.rows: list[tuple[Any, ...]] = []

    def add(self, position: int, event: DomainEvent, aggregate_id: object, version: int) -> None:
        payload = json.dumps(event.payload())
        at = self.plan.at(position)
        self.rows.append((position, event.aggregate_type, aggregate_id, version, event.type_name(), payload, at))

    def flush(self) -> None:
        copy_rows(WRITE, Event, (*self.COLUMNS, "metadata"), ((*row, self.metadata) for row in self.rows))
        copy_rows(READ, EventRecord, (*self.COLUMNS, "metadata"), ((*row, self.metadata) for row in self.rows))
        self.rows = []


def seed_catalog(plan: ShopPlan, events: EventRows, totals: list[Totals]) -> None:
    currency = settings.SHOP_CURRENCY
    products, views = [], []
    for product, total in zip(plan.products, totals, strict=True):
        position = plan.first_position + product.number
        created = plan.at(position)
        updated = plan.at(max(position, total.last_position))
        stock = INITIAL_STOCK - total.quantity
        no_image = ""
        common = (product.id, product.sku, product.name, product.description, product.price, stock, created, updated)
        common_with_image = (*common, no_image)
        products.append((*common_with_image, False, 1))
        views.append((*common_with_image, False, 1, currency, total.quantity))
        event = ProductCreated(
            sku=product.sku,
            name=product.name,
            description=product.description,
            price=product.price,
            stock=INITIAL_STOCK,
        )
        events.add(position, event, product.id, 1)
    columns = ("id", "sku", "name", "description", "price", "stock", "created_at", "updated_at", "image")
    copy_rows(WRITE, Product, (*columns, "discontinued", "version"), products)
    copy_rows(READ, ProductView, (*columns, "deleted", "version", "currency", "units_sold"), views)
    events.flush()


def seed_customers(plan: ShopPlan, events: EventRows, totals: list[Totals]) -> None:
    customers, views, order_customers = [], [], []
    for customer, total in zip(plan.customers, totals, strict=True):
        position = plan.first_position + plan.scale.products + customer.number
        at = plan.at(position)
        address = customer.address
        customers.append(
            (customer.id, customer.email, customer.name, "", *(address[key] for key in address), at, at, 1)
        )
        last_order = plan.at(total.last_position) if total.last_position else None
        views.append(
            (
                customer.id,
                customer.email,
                customer.name,
                "",
                json.dumps(address),
                total.orders,
                total.spent,
                last_order,
                at,
                at,
                1,
            )
        )
        order_customers.append((customer.id, customer.name, customer.email))
        event = CustomerRegistered(email=customer.email, name=customer.name, phone="", address=address, user_id=None)
        events.add(position, event, customer.id, 1)
    address_columns = tuple(f"address_{key}" for key in ("line1", "line2", "city", "postal_code", "country"))
    columns = ("id", "email", "name", "phone")
    copy_rows(WRITE, Customer, (*columns, *address_columns, "created_at", "updated_at", "version"), customers)
    view_columns = ("address", "orders_count", "total_spent", "last_order_at", "created_at", "updated_at", "version")
    copy_rows(READ, CustomerView, (*columns, *view_columns), views)
    copy_rows(READ, OrderCustomer, ("id", "name", "email"), order_customers)
    events.flush()


class OrderChunk:
    """One chunk of orders: write rows, lines, documents and events, copied together."""

    def __init__(self, plan: ShopPlan, events: EventRows) -> None:
        self.plan = plan
        self.events = events
        self.orders: list[tuple[Any, ...]] = []
        self.lines: list[tuple[Any, ...]] = []
        self.documents: list[tuple[Any, ...]] = []

    def add(self, order: PlannedOrder, order_id: object, placed: int) -> None:
        plan, currency = self.plan, settings.SHOP_CURRENCY
        customer = plan.customers[order.customer]
        snapshot: list[PlacedLine] = []
        for number, quantity in order.lines:
            product = plan.products[number]
            snapshot.append(
                {
                    "product_id": product.id,
                    "sku": product.sku,
                    "name": product.name,
                    "unit_price": product.price,
                    "quantity": quantity,
                }
            )
            self.lines.append((order_id, product.id, product.sku, product.name, product.price, quantity))
        total = plan.total(order)
        self.events.add(
            placed, OrderPlaced(customer_id=customer.id, lines=snapshot, total=total, currency=currency), order_id, 1
        )
        for version, event_type in enumerate(order.event_types[1:], start=2):
            self.events.add(placed + version - 1, self.follow_up(event_type, order, total), order_id, version)
        version = len(order.event_types)
        created, updated = plan.at(placed), plan.at(placed + version - 1)
        self.orders.append(
            (order_id, customer.id, order.status, total, currency, order.tracking_number, created, updated, version)
        )
        lines = [
            line
            | {"product_id": str(line["product_id"]), "unit_price": f"{line['unit_price']:.2f}"}
            | {"line_total": f"{line['unit_price'] * line['quantity']:.2f}"}
            for line in snapshot
        ]
        self.documents.append(
            (
                order_id,
                customer.id,
                order.status,
                total,
                currency,
                order.tracking_number,
                created,
                updated,
                version,
                customer.name,
                customer.email,
                json.dumps(lines),
                sum(quantity for _, quantity in order.lines),
            )
        )

    def follow_up(self, event_type: str, order: PlannedOrder, total: Decimal) -> DomainEvent:
        customer_id = self.plan.customers[order.customer].id
        if event_type == "OrderPaid":
            return OrderPaid(customer_id=customer_id, amount=total)
        if event_type == "OrderShipped":
            return OrderShipped(customer_id=customer_id, tracking_number=order.tracking_number)
        returned: list[ReturnedLine] = [
            {"product_id": self.plan.products[number].id, "quantity": quantity} for number, quantity in order.lines
        ]
        return OrderCancelled(
            customer_id=customer_id, previous_status=OrderStatus.PENDING, reason="", total=total, lines=returned
        )

    def flush(self) -> None:
        columns = ("id", "customer_id", "status", "total", "currency", "tracking_number", "created_at", "updated_at")
        copy_rows(WRITE, Order, (*columns, "version"), self.orders)
        line_columns = ("order_id", "product_id", "sku", "name", "unit_price", "quantity")
        copy_rows(WRITE, OrderLine, line_columns, self.lines)
        document_columns = ("version", "customer_name", "customer_email", "lines", "item_count")
        copy_rows(READ, OrderView, (*columns, *document_columns), self.documents)
        self.events.flush()


def chunks(orders: Iterator[PlannedOrder], size: int) -> Iterator[list[PlannedOrder]]:
    while chunk := list(islice(orders, size)):
        yield chunk


def seed_orders(plan: ShopPlan, events: EventRows, *, progress: bool) -> list[str]:
    sample: list[str] = []
    position = plan.first_order_position
    for done, chunk in enumerate(chunks(plan.orders(), ORDER_CHUNK), start=1):
        with transaction.atomic(using=WRITE), transaction.atomic(using=READ):
            batch = OrderChunk(plan, events)
            for order in chunk:
                order_id = uuid.uuid4()
                batch.add(order, order_id, position)
                position += len(order.event_types)
                if len(sample) < SAMPLE:
                    sample.append(str(order_id))
            batch.flush()
        if progress:
            print(f"  orders: {min(done * ORDER_CHUNK, plan.scale.orders):,} / {plan.scale.orders:,}", file=sys.stderr)
    return sample


def advance_sequence_and_checkpoints(plan: ShopPlan, head: int) -> None:
    with connections[WRITE].cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'position'), %s)", [Event._meta.db_table, head])
    # Every checkpoint unit (segments too), the reactors' included: seeded orders are history, not mail to send.
    for name in segments.expand(tuple(CONSUMERS)):
        Checkpoint.objects.using(READ).update_or_create(
            name=name, defaults={"position": head, "last_event_at": plan.at(head)}
        )


def seed_shop(scale: Scale, *, progress: bool = False) -> Seeded:
    """Seed `scale` on top of whatever the log holds (nothing else may write meanwhile); PostgreSQL only."""
    for alias in (WRITE, READ):
        if connections[alias].vendor != "postgresql":
            raise RuntimeError("the bulk seeder copies into PostgreSQL")
    last = Event.objects.using(WRITE).order_by("-position").values_list("position", flat=True).first() or 0
    started = timezone.now().replace(microsecond=0) - timedelta(days=30)
    plan = ShopPlan(scale, first_position=last + 1, started=started)
    product_totals, customer_totals, head = plan.totals()
    metadata = json.dumps(CommandContext(command="bench-seed", actor="bench").metadata())
    events = EventRows(plan, metadata)
    with transaction.atomic(using=WRITE), transaction.atomic(using=READ):
        seed_catalog(plan, events, product_totals)
        seed_customers(plan, events, customer_totals)
    order_ids = seed_orders(plan, events, progress=progress)
    with transaction.atomic(using=WRITE), transaction.atomic(using=READ):
        advance_sequence_and_checkpoints(plan, head)
    return Seeded(
        scale=scale,
        events=head - last,
        head=head,
        product_ids=[str(product.id) for product in plan.products[:SAMPLE]],
        customer_ids=[str(customer.id) for customer in plan.customers[:SAMPLE]],
        order_ids=order_ids,
    )
