"""A whole shop decided up front and deterministically: the bulk seeder writes it, the harness reads its ids.

Events come in this order: every ProductCreated, every CustomerRegistered, then each order's events back to
back (OrderPlaced, then OrderPaid / OrderShipped / OrderCancelled for the final status). Positions and times
follow from that order alone, so a first pass over the plan can total what every product and customer ends up
with, and a second pass (the same seed gives the same orders) writes the order rows in chunks.
"""

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

INITIAL_STOCK = 1_000_000  # far more than the seeded orders and the bench's own writes take
EVENT_SPACING = timedelta(milliseconds=10)
ADJECTIVES = ("blue", "green", "red", "black", "white", "small", "large", "classic", "rustic", "modern")
MATERIALS = ("enamel", "steel", "glass", "clay", "oak", "cotton", "linen", "copper", "bamboo", "stone")
NOUNS = ("mug", "kettle", "teapot", "bowl", "plate", "jar", "tray", "lamp", "vase", "basket")
ROOMS = ("kitchen", "garden", "office", "hallway", "bedroom")
FIRST_NAMES = ("Ann", "Bo", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana", "Ivan", "Jun")
LAST_NAMES = ("Berg", "Costa", "Dahl", "Eriksen", "Fischer", "Garcia", "Holm", "Ito", "Jensen", "Kowalski")
# Final order statuses by cumulative share: a tenth cancelled while pending, most paid or shipped.
STATUS_SHARES = (("cancelled", 0.10), ("paid", 0.45), ("shipped", 0.60), ("pending", 1.0))
EVENTS_BY_STATUS = {
    "pending": ("OrderPlaced",),
    "paid": ("OrderPlaced", "OrderPaid"),
    "shipped": ("OrderPlaced", "OrderPaid", "OrderShipped"),
    "cancelled": ("OrderPlaced", "OrderCancelled"),
}


@dataclass(frozen=True)
class Scale:
    name: str
    customers: int
    products: int
    orders: int


SCALES = {
    "full": Scale("full", customers=100_000, products=10_000, orders=1_000_000),
    "small": Scale("small", customers=1_000, products=100, orders=10_000),
    "tiny": Scale("tiny", customers=12, products=5, orders=40),
}


@dataclass(frozen=True)
class PlannedProduct:
    number: int
    id: uuid.UUID

    @property
    def sku(self) -> str:
        return f"SKU-{self.number:06d}"

    @property
    def name(self) -> str:
        n = self.number
        return f"{ADJECTIVES[n % 10].title()} {MATERIALS[n // 10 % 10]} {self.noun} {n}"

    @property
    def description(self) -> str:
        n = self.number
        return f"A {MATERIALS[n // 10 % 10]} {self.noun} for the {ROOMS[n % 5]}, made in batch {n % 97}."

    @property
    def noun(self) -> str:
        """Every (material, noun) pair in every hundred products: a two-word search finds 1 in 100."""
        return NOUNS[(self.number % 10 + self.number // 10) % 10]

    @property
    def price(self) -> Decimal:
        return Decimal(100 + self.number * 37 % 20_000) / 100


@dataclass(frozen=True)
class PlannedCustomer:
    number: int
    id: uuid.UUID

    @property
    def email(self) -> str:
        return f"customer{self.number:06d}@bench.example"

    @property
    def name(self) -> str:
        return f"{FIRST_NAMES[self.number % 10]} {LAST_NAMES[self.number // 10 % 10]} {self.number}"

    @property
    def address(self) -> dict[str, str]:
        return {"line1": f"{self.number} Main St", "line2": "", "city": "Oslo", "postal_code": "0150", "country": "NO"}


@dataclass(frozen=True)
class PlannedOrder:
    number: int
    customer: int
    lines: tuple[tuple[int, int], ...]  # (product number, quantity)
    status: str

    @property
    def event_types(self) -> tuple[str, ...]:
        return EVENTS_BY_STATUS[self.status]

    @property
    def tracking_number(self) -> str:
        return f"TRK{self.number:09d}" if self.status == "shipped" else ""


@dataclass
class Totals:
    """What the orders leave on a product or a customer, as the projections would compute it."""

    quantity: int = 0  # units held by orders that are not cancelled
    orders: int = 0  # orders that are not cancelled
    spent: Decimal = field(default_factory=Decimal)
    last_position: int = 0  # the last event that touched it (updated_at / last_order_at)


class ShopPlan:
    def __init__(self, scale: Scale, *, first_position: int, started: datetime, seed: int = 10) -> None:
        self.scale = scale
        self.seed = seed
        self.first_position = first_position
        self.started = started
        rng = random.Random(seed)
        self.products = [
            PlannedProduct(n, uuid.UUID(int=rng.getrandbits(128), version=4)) for n in range(scale.products)
        ]
        self.customers = [
            PlannedCustomer(n, uuid.UUID(int=rng.getrandbits(128), version=4)) for n in range(scale.customers)
        ]

    def at(self, position: int) -> datetime:
        return self.started + (position - self.first_position) * EVENT_SPACING

    @property
    def first_order_position(self) -> int:
        return self.first_position + self.scale.products + self.scale.customers

    def orders(self) -> Iterator[PlannedOrder]:
        """The same orders on every call: a generator of its own seeded from the plan's seed."""
        rng = random.Random(self.seed + 1)
        products = range(self.scale.products)
        for number in range(self.scale.orders):
            count = min(rng.choice((1, 1, 2, 2, 3)), self.scale.products)
            lines = tuple((product, rng.randint(1, 3)) for product in rng.sample(products, count))
            roll = rng.random()
            status = next(name for name, share in STATUS_SHARES if roll < share)
            yield PlannedOrder(number, rng.randrange(self.scale.customers), lines, status)

    def total(self, order: PlannedOrder) -> Decimal:
        return sum((self.products[product].price * quantity for product, quantity in order.lines), Decimal(0))

    def totals(self) -> tuple[list[Totals], list[Totals], int]:
        """Per product, per customer, and the last position: the first pass over the orders."""
        products = [Totals() for _ in self.products]
        customers = [Totals() for _ in self.customers]
        position = self.first_order_position - 1
        for order in self.orders():
            placed = position + 1
            position += len(order.event_types)
            customer = customers[order.customer]
            customer.last_position = placed
            cancelled = order.status == "cancelled"
            if not cancelled:
                customer.orders += 1
            if order.status in ("paid", "shipped"):
                customer.spent += self.total(order)
            for product, quantity in order.lines:
                products[product].quantity += 0 if cancelled else quantity
                products[product].last_position = position if cancelled else placed
        return products, customers, position
