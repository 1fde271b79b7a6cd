from datetime import UTC, datetime

from django.db import models
from rest_framework import serializers

from queries.models import CustomerView, EventRecord, OrderView, ProductView


class OffsetDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an explicit UTC offset ("+00:00")."""

    def to_representation(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat()


class ReadModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: OffsetDateTimeField,
    }


class ProductSerializer(ReadModelSerializer):
    in_stock = serializers.BooleanField(read_only=True)
    image_url = serializers.SerializerMethodField(help_text="Absolute URL of the product's image; null without one.")

    def get_image_url(self, product: ProductView) -> str | None:
        if not product.image:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(product.image_url) if request else product.image_url

    class Meta:
        model = ProductView
        fields = [
            *ProductView.OFFER_FIELDS,
            "in_stock",
            "units_sold",
            "created_at",
            "updated_at",
            "version",
            "image_url",
        ]


def text_serializer(name: str, field_names: str) -> type[serializers.Serializer]:
    """A nested serializer of strings only: its shape is nothing but the names, so it is written as them."""
    return type(name, (serializers.Serializer,), {field: serializers.CharField() for field in field_names.split()})


AddressSerializer = text_serializer("AddressSerializer", "line1 line2 city postal_code country")


class CustomerSerializer(ReadModelSerializer):
    address = AddressSerializer(allow_null=True)

    class Meta:
        model = CustomerView
        fields = [
            "id",
            "email",
            "name",
            "phone",
            "address",
            "orders_count",
            "total_spent",
            "last_order_at",
            "created_at",
            "updated_at",
            "version",
        ]


class OrderCustomerSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="customer_id")
    name = serializers.CharField(source="customer_name")
    email = serializers.CharField(source="customer_email")


class OrderLineSerializer(serializers.Serializer):
    product_id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    unit_price = serializers.CharField()
    quantity = serializers.IntegerField()
    line_total = serializers.CharField()


class OrderSerializer(ReadModelSerializer):
    customer = OrderCustomerSerializer(source="*")
    lines = OrderLineSerializer(many=True)
    delivery_address = AddressSerializer(
        allow_null=True, help_text="Where the order goes, as given when it was placed; null on older orders."
    )

    class Meta:
        model = OrderView
        fields = [
            "id",
            "status",
            "customer",
            "lines",
            "item_count",
            "total",
            "currency",
            "tracking_number",
            "delivery_address",
            "created_at",
            "updated_at",
            "version",
        ]


class EventSerializer(ReadModelSerializer):
    class Meta:
        model = EventRecord
        fields = ["position", "type", "aggregate_type", "aggregate_id", "aggregate_version", "occurred_at", "payload"]
