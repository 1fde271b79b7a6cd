"""`manage.py load_demo`: a small, realistic shop made through the command handlers; running it again adds nothing.

Each step first looks for what it would create (a username, a SKU, an email, or the correlation id it stamps on
the events of an order step), so a second run — or a run after an interrupted one — only fills in what is missing.
"""

import uuid
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from commands.event_log import CommandContext
from commands.handlers import customers, orders, products
from commands.models import Customer, Event, Product

# For the embedded demo on 127.0.0.1 only; `make run` prints it.
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"
CUSTOMER_EMAIL = "demo@example.com"
CUSTOMER_PASSWORD = "demo-pass-123"

PRODUCTS = [
    (
        "COF-BEANS-ETH",
        "Ethiopia Yirgacheffe Whole Beans, 250 g",
        "Washed heirloom Arabica; jasmine, bergamot and lemon notes. Roasted light for filter brewing.",
        "14.50",
        80,
    ),
    (
        "COF-BEANS-COL",
        "Colombia Huila Whole Beans, 250 g",
        "Caturra and Castillo from small farms in Huila; milk chocolate, red apple, caramel. Medium roast.",
        "13.00",
        60,
    ),
    (
        "COF-GRINDER-C40",
        "Conical Burr Coffee Grinder",
        "Hand grinder with 38 mm hardened steel burrs and 40 click settings, from espresso to French press.",
        "129.00",
        12,
    ),
    (
        "KIT-KETTLE-GN",
        "Gooseneck Pour-Over Kettle, 1 l",
        "Stainless steel with a thermometer in the lid and a narrow spout for a steady, slow pour.",
        "49.00",
        25,
    ),
    (
        "COF-DRIPPER-02",
        "Ceramic Pour-Over Dripper",
        "Porcelain cone for size 02 filters; spiral ribs keep the bed flowing evenly.",
        "24.00",
        40,
    ),
    (
        "COF-FILTERS-100",
        "Paper Filters, Pack of 100",
        "Unbleached size 02 cone filters. Rinse before brewing.",
        "6.50",
        150,
    ),
    (
        "KIT-SCALE-T1",
        "Digital Brewing Scale with Timer",
        "0.1 g resolution up to 2 kg, built-in shot timer, USB-C rechargeable.",
        "35.00",
        30,
    ),
    (
        "KIT-PRESS-1L",
        "Stainless French Press, 1 l",
        "Double-walled body keeps coffee hot; four-layer mesh filter for a clean cup.",
        "39.90",
        18,
    ),
    (
        "TEA-MATCHA-30",
        "Ceremonial Matcha, 30 g",
        "Stone-ground first-harvest tencha from Uji; bright green, sweet and umami. Whisk with 70 °C water.",
        "22.00",
        45,
    ),
    ("TEA-POT-CAST", "Cast-Iron Teapot, 0.8 l", "Enamelled inside, with a removable stainless infuser.", "58.00", 10),
    (
        "KIT-MUGS-4",
        "Stoneware Mug Set of 4",
        "Hand-glazed 300 ml mugs in four earth tones; dishwasher safe.",
        "32.00",
        20,
    ),
    (
        "KIT-FROTHER",
        "Handheld Milk Frother",
        "Battery-powered whisk for lattes and matcha; back in stock soon.",
        "15.00",
        0,
    ),
]

CUSTOMERS: list[dict[str, Any]] = [
    {
        "email": CUSTOMER_EMAIL,
        "name": "Ada Lovelace",
        "phone": "+44 20 7946 0958",
        "address": {"line1": "12 St James's Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "GB"},
        "password": CUSTOMER_PASSWORD,
    },
    {
        "email": "grace.hopper@example.com",
        "name": "Grace Hopper",
        "phone": "+1 212 555 0142",
        "address": {"line1": "200 Park Avenue", "city": "New York", "postal_code": "10166", "country": "US"},
    },
]

# (key, customer email, [(sku, quantity)], the steps after placing it)
ORDERS = [
    ("shipped", CUSTOMER_EMAIL, [("COF-BEANS-ETH", 2), ("COF-FILTERS-100", 1)], ["pay", "ship"]),
    ("paid", CUSTOMER_EMAIL, [("COF-GRINDER-C40", 1)], ["pay"]),
    ("pending", "grace.hopper@example.com", [("KIT-KETTLE-GN", 1), ("COF-DRIPPER-02", 1)], []),
    ("cancelled", "grace.hopper@example.com", [("TEA-MATCHA-30", 2)], ["cancel"]),
]


def demo_context(command: str, correlation_id: str = "") -> CommandContext:
    return CommandContext(command=command, actor="demo", correlation_id=correlation_id)


def done_step(correlation_id: str) -> uuid.UUID | None:
    """The aggregate an earlier run wrote this step for, if it did."""
    return Event.objects.filter(metadata__correlation_id=correlation_id).values_list("aggregate_id", flat=True).first()


def ensure_admin() -> bool:
    users = get_user_model().objects
    if users.filter(username=ADMIN_USERNAME).exists():
        return False
    users.create_superuser(username=ADMIN_USERNAME, email="admin@example.com", password=ADMIN_PASSWORD)
    return True


def ensure_products() -> int:
    created = 0
    for sku, name, description, price, stock in PRODUCTS:
        if Product.objects.filter(sku=sku).exists():
            continue
        products.create_product(
            context=demo_context("create-product"),
            sku=sku,
            name=name,
            description=description,
            price=Decimal(price),
            stock=stock,
        )
        created += 1
    return created


def ensure_customers() -> int:
    created = 0
    for details in CUSTOMERS:
        if Customer.objects.filter(email__iexact=details["email"]).exists():
            continue
        customers.register_customer(context=demo_context("register-customer"), **details)
        created += 1
    return created


def ensure_order(key: str, email: str, lines: list[tuple[str, int]], steps: list[str]) -> bool:
    placed = f"load_demo:order:{key}"
    order_id = done_step(placed)
    created = order_id is None
    if order_id is None:
        customer = Customer.objects.get(email__iexact=email)
        by_sku = dict(Product.objects.filter(sku__in=[sku for sku, _ in lines]).values_list("sku", "pk"))
        order_id = orders.place_order(
            context=demo_context("create-order", placed),
            customer_id=customer.pk,
            lines=[{"product_id": by_sku[sku], "quantity": quantity} for sku, quantity in lines],
        ).aggregate_id
    for step in steps:
        correlation_id = f"{placed}:{step}"
        if done_step(correlation_id):
            continue
        context = demo_context(f"{step}-order", correlation_id)
        if step == "pay":
            orders.pay_order(context=context, order_id=order_id)
        elif step == "ship":
            orders.ship_order(context=context, order_id=order_id, tracking_number=f"DEMO-{order_id.hex[:8].upper()}")
        elif step == "cancel":
            orders.cancel_order(context=context, order_id=order_id, reason="Ordered twice by mistake.")
    return created


class Command(BaseCommand):
    help = "Load demo data (admin login, products, customers, orders) through the command handlers; idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        admin_created = ensure_admin()
        product_count = ensure_products()
        customer_count = ensure_customers()
        order_count = sum(ensure_order(*order) for order in ORDERS)
        if admin_created or product_count or customer_count or order_count:
            self.stdout.write(
                f"Demo data: {product_count} products, {customer_count} customers, {order_count} orders added"
                + (", admin user created." if admin_created else ".")
            )
        else:
            self.stdout.write("Demo data already loaded; nothing added.")
        # The staff groups ("support", "catalog") the admin's permissions are built around.
        call_command("setup_groups", verbosity=0)
        # The read side is filled even before a worker starts.
        call_command("run_projections", verbosity=0, stdout=self.stdout._out)
        self.print_logins()

    def print_logins(self) -> None:
        admin = get_user_model().objects.get(username=ADMIN_USERNAME)
        if admin.check_password(ADMIN_PASSWORD):
            self.stdout.write(self.style.WARNING(f"Demo staff login: {ADMIN_USERNAME} / {ADMIN_PASSWORD}"))
        else:
            self.stdout.write(f"Staff login: {ADMIN_USERNAME} (its demo password was changed)")
        self.stdout.write(f"Demo customer login: {CUSTOMER_EMAIL} / {CUSTOMER_PASSWORD}")
