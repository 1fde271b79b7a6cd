"""A fast way to a large event log: bulk-inserted Event rows shaped exactly as the handlers write them.

Products come in blocks of 100: the block's ProductCreated events, then its follow-ups round-robin
(per product: 5 StockAdjusted and 4 ProductUpdated, in version order), so any prefix of the log has the
same mix of event types as the whole — the naive baseline, which replays only a prefix, stays comparable.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from commands.event_log import CommandContext
from commands.events import DomainEvent, ProductCreated, ProductUpdated, StockAdjusted
from commands.models import Event, Product

EVENTS_PER_PRODUCT = 10
BLOCK = 100
INSERT_BATCH = 5000


class ProductHistory:
    """One product's events, versions and final write-model state."""

    def __init__(self, number: int) -> None:
        self.id = uuid.uuid4()
        self.number = number
        self.sku = f"BENCH-{number:06d}"
        self.name = f"Bench product {number}"
        self.price = Decimal(10 + number % 90) + Decimal("0.99")
        self.stock = 100

    def created(self) -> ProductCreated:
        return ProductCreated(
            sku=self.sku,
            name=self.name,
            description=f"Seeded for the projection benchmark, number {self.number}.",
            price=self.price,
            stock=self.stock,
        )

    def follow_up(self, step: int) -> DomainEvent:
        if step % 2:
            delta = 5 if step % 4 == 1 else -3
            self.stock += delta
            return StockAdjusted(delta=delta, stock=self.stock, reason="bench")
        if step % 4 == 0:
            self.price += Decimal("1.00")
            return ProductUpdated(changes={"price": self.price})
        self.name = f"Bench product {self.number} (rev {step})"
        return ProductUpdated(changes={"name": self.name})


def seed_product_events(*, total: int) -> int:
    """Append about `total` product events (a multiple of 10) and the products they describe; returns the count."""
    product_count = max(total // EVENTS_PER_PRODUCT, 1)
    context = CommandContext(command="bench-seed", actor="bench")
    metadata = context.metadata()
    started = timezone.now() - timedelta(hours=1)
    rows: list[Event] = []
    histories: list[ProductHistory] = []
    for block_start in range(0, product_count, BLOCK):
        block = [ProductHistory(number) for number in range(block_start, min(block_start + BLOCK, product_count))]
        histories.extend(block)
        schedule = [(history, 0) for history in block] + [
            (history, step) for step in range(1, EVENTS_PER_PRODUCT) for history in block
        ]
        for history, step in schedule:
            event = history.created() if step == 0 else history.follow_up(step)
            rows.append(
                Event(
                    aggregate_type=event.aggregate_type,
                    aggregate_id=history.id,
                    aggregate_version=step + 1,
                    type=event.type_name(),
                    payload=event.payload(),
                    occurred_at=started + timedelta(milliseconds=len(rows)),
                    metadata=metadata,
                )
            )
    with transaction.atomic(using="default"):
        Event.objects.bulk_create(rows, batch_size=INSERT_BATCH)
        Product.objects.bulk_create(
            (
                Product(
                    id=history.id,
                    sku=history.sku,
                    name=history.name,
                    description=f"Seeded for the projection benchmark, number {history.number}.",
                    price=history.price,
                    stock=history.stock,
                    version=EVENTS_PER_PRODUCT,
                    created_at=started,
                    updated_at=started,
                )
                for history in histories
            ),
            batch_size=INSERT_BATCH,
        )
    return len(rows)
