"""Normalized write models and the event log: the only source of truth."""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Lower


class Aggregate(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        abstract = True


class Product(Aggregate):
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    price = models.DecimalField(max_digits=12, decimal_places=2)
    stock = models.PositiveIntegerField(default=0)
    discontinued = models.BooleanField(default=False)
    image = models.CharField(max_length=255, blank=True, default="")  # a path in the default storage, or ""

    class Meta:
        permissions = [("adjust_stock", "Can adjust stock")]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class Customer(Aggregate):
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True, default="")
    address_line1 = models.CharField(max_length=200, blank=True, default="")
    address_line2 = models.CharField(max_length=200, blank=True, default="")
    address_city = models.CharField(max_length=100, blank=True, default="")
    address_postal_code = models.CharField(max_length=20, blank=True, default="")
    address_country = models.CharField(max_length=2, blank=True, default="")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="customer"
    )
    # The language the shop writes to them in (emails); the page language at sign-up unless they chose one.
    language = models.CharField(max_length=8, default="en", db_default="en", choices=settings.LANGUAGES)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="customer_email_ci_unique")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def address(self) -> dict[str, str] | None:
        if not self.address_line1:
            return None
        return {
            "line1": self.address_line1,
            "line2": self.address_line2,
            "city": self.address_city,
            "postal_code": self.address_postal_code,
            "country": self.address_country,
        }


class OrderStatus(models.TextChoices):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class Order(Aggregate):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    tracking_number = models.CharField(max_length=100, blank=True, default="")
    # Where this order goes, snapshotted when it was placed: a later change of the customer's address keeps it.
    delivery_address = models.JSONField(null=True, blank=True, default=None)

    class Meta:
        permissions = [
            ("pay_order", "Can mark orders paid"),
            ("ship_order", "Can ship orders"),
            ("cancel_order", "Can cancel orders"),
        ]

    def __str__(self) -> str:
        return f"order {self.id} ({self.status})"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "product"], name="order_line_product_once")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class PaymentAttemptStatus(models.TextChoices):
    CHARGING = "charging"  # sent to the gateway, no answer recorded yet
    APPROVED = "approved"
    DECLINED = "declined"
    TIMED_OUT = "timed_out"
    REFUND_DUE = "refund_due"  # charged, but the order had stopped being pending (cancelled meanwhile)


class PaymentAttempt(models.Model):
    """One press of "Pay": its key is the gateway's idempotency key, so a resubmitted form never charges twice."""

    key = models.UUIDField(primary_key=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payment_attempts")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=16, choices=PaymentAttemptStatus.choices)
    reference = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # At most one attempt of an order may be in flight or have succeeded: the second "Pay" is refused.
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status__in=["charging", "approved"]),
                name="payment_attempt_one_live_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"payment {self.key} ({self.status})"


class Event(models.Model):
    """One domain event in the append-only log; `position` is the global, gap-tolerant order."""

    position = models.BigAutoField(primary_key=True)
    aggregate_type = models.CharField(max_length=32)
    aggregate_id = models.UUIDField()
    aggregate_version = models.PositiveIntegerField()
    type = models.CharField(max_length=64)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField()
    metadata = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["position"]
        constraints = [
            # Two writers that both read version N cannot both append N+1.
            models.UniqueConstraint(fields=["aggregate_id", "aggregate_version"], name="event_aggregate_version"),
        ]
        indexes = [models.Index(fields=["type", "position"], name="event_type_position")]

    def __str__(self) -> str:
        return f"#{self.position} {self.type} {self.aggregate_type}:{self.aggregate_id} v{self.aggregate_version}"


class IdempotencyRecord(models.Model):
    """The first response to a command sent with an Idempotency-Key, stored in the command's transaction."""

    actor = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    command = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder)
    response_location = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "key"], name="idempotency_actor_key")]

    def __str__(self) -> str:
        return f"{self.command} {self.key}"


class SavedCart(models.Model):
    """A logged-in customer's cart, kept across log-outs and devices (commands/saved_carts.py says why here)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+")
    # [[product id, quantity], ...] in the order the products were added (jsonb would sort an object's keys)
    lines = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"cart of user {self.user_id}"
