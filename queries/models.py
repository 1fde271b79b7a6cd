"""Denormalized read models, written only by projections, served by the query API, admin and storefront."""

from typing import Any

from django.core.files.storage import default_storage
from django.db import models

from queries.search import CUSTOMER_SEARCH, PRODUCT_SEARCH


class ProductView(models.Model):
    # What a product is to both its readers, the API and the staff admin, in their order; each adds its own.
    OFFER_FIELDS = ("id", "sku", "name", "description", "price", "currency", "stock")

    id = models.UUIDField(primary_key=True)
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    stock = models.IntegerField(default=0)
    units_sold = models.IntegerField(default=0)
    deleted = models.BooleanField(default=False)
    image = models.CharField(max_length=255, blank=True, default="")  # a path in the default storage, or ""
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField()

    class Meta:
        verbose_name = "product"
        indexes = [
            models.Index(fields=["price"], name="product_price"),
            models.Index(fields=["name"], name="product_name"),
            models.Index(fields=["created_at"], name="product_created"),
            models.Index(fields=["units_sold"], name="product_units_sold"),
            models.Index(fields=["stock"], name="product_stock"),  # in_stock=true/false
            *PRODUCT_SEARCH.indexes("product"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def image_url(self) -> str:
        """Where a browser fetches the product's image; "" when it has none."""
        return default_storage.url(self.image) if self.image else ""


class CustomerView(models.Model):
    id = models.UUIDField(primary_key=True)
    user_id = models.BigIntegerField(null=True, blank=True, unique=True)
    email = models.CharField(max_length=254)
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True, default="")
    address = models.JSONField(null=True, blank=True)
    # The language the shop writes to them in; the account page shows it (the emails read the write model's).
    language = models.CharField(max_length=8, default="en", db_default="en")
    orders_count = models.IntegerField(default=0)
    total_spent = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    last_order_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField()

    class Meta:
        verbose_name = "customer"
        indexes = [
            models.Index(fields=["name"], name="customer_name"),
            models.Index(fields=["email"], name="customer_email"),
            models.Index(fields=["created_at"], name="customer_created"),
            models.Index(fields=["total_spent"], name="customer_total_spent"),
            models.Index(fields=["orders_count"], name="customer_orders_count"),
            *CUSTOMER_SEARCH.indexes("customer"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @classmethod
    def of_user(cls, user: Any) -> "CustomerView | None":
        """The customer behind a login, or None (anonymous, a staff login, or a sign-up not projected yet)."""
        if user is None or not user.is_authenticated:
            return None
        return cls.objects.filter(user_id=user.pk).first()


class OrderView(models.Model):
    id = models.UUIDField(primary_key=True)
    status = models.CharField(max_length=16)
    customer_id = models.UUIDField()
    customer_name = models.CharField(max_length=200)
    customer_email = models.CharField(max_length=254)
    lines = models.JSONField()
    item_count = models.IntegerField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    tracking_number = models.CharField(max_length=100, blank=True, default="")
    delivery_address = models.JSONField(null=True, blank=True, default=None)
    # Cancelled after it was paid: the customer is owed the total (staff refund it; no event says it is done).
    refund_due = models.BooleanField(
        default=False, db_default=False
    )  # db_default: the bench seeder COPYs rows without it
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField()

    class Meta:
        verbose_name = "order"
        indexes = [
            models.Index(fields=["customer_id", "created_at"], name="order_customer_created"),
            models.Index(fields=["status", "created_at"], name="order_status_created"),
            models.Index(fields=["created_at"], name="order_created"),
            models.Index(fields=["total"], name="order_total"),
        ]

    def __str__(self) -> str:
        return f"order {self.id} ({self.status})"


class OrderCustomer(models.Model):
    """The orders projection's own copy of each customer's current name and email (for the fan-out).

    One copy per segment of the orders projection (projections/segments.py): each is as of its own segment's
    checkpoint. Segment 0 is the only one when the projection is not split.
    """

    pk = models.CompositePrimaryKey("segment", "id")
    segment = models.SmallIntegerField(db_default=0)
    id = models.UUIDField()
    name = models.CharField(max_length=200)
    email = models.CharField(max_length=254)

    def __str__(self) -> str:
        return self.name


class EventRecord(models.Model):
    """The integrators' event feed: a copy of the event log on the read side."""

    position = models.BigIntegerField(primary_key=True)
    type = models.CharField(max_length=64)
    aggregate_type = models.CharField(max_length=32)
    aggregate_id = models.UUIDField()
    aggregate_version = models.PositiveIntegerField()
    occurred_at = models.DateTimeField()
    payload = models.JSONField()
    metadata = models.JSONField(default=dict)

    class Meta:
        verbose_name = "event"
        ordering = ["position"]
        indexes = [
            models.Index(fields=["aggregate_id", "position"], name="event_record_aggregate"),
            models.Index(fields=["type", "position"], name="event_record_type"),
        ]

    def __str__(self) -> str:
        return f"#{self.position} {self.type}"
