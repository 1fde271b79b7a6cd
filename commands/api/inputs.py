"""The shape of every command body (HTTP 400 when it does not fit)."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from commands.api.countries import ISO_COUNTRIES
from commands.api.fields import CommandInput, MoneyField, StrictCharField, StrictIntegerField, StrictUUIDField
from commands.credentials import (
    EMAIL_MAX_LENGTH,
    LOGIN_NAME_MAX_LENGTH,
    email_too_long,
    normalize_email,
    validate_new_password,
)
from commands.rules import MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_STOCK, SKU_MAX_LENGTH, SKU_RULE, sku_is_valid


class TargetsAggregate(CommandInput):
    expected_version = StrictIntegerField(min_value=0, required=False)


class AddressInput(CommandInput):
    line1 = StrictCharField(max_length=200)
    line2 = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    city = StrictCharField(max_length=100)
    postal_code = StrictCharField(max_length=20)
    country = StrictCharField(min_length=2, max_length=2)

    def validate_country(self, value: str) -> str:
        if value.upper() not in ISO_COUNTRIES:
            raise serializers.ValidationError("Not an ISO 3166-1 alpha-2 country code.")
        return value.upper()


class EmailInput(serializers.EmailField):
    """Normalized before the email and length validators see it: what they pass is what is stored."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=EMAIL_MAX_LENGTH, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return normalize_email(super().to_internal_value(data))


class RegisterCustomerInput(CommandInput):
    email = EmailInput()
    name = StrictCharField(max_length=200)
    phone = StrictCharField(max_length=40, required=False, allow_blank=True, default="")
    address = AddressInput(required=False, allow_null=True, default=None)
    password = StrictCharField(required=False, write_only=True, max_length=128, trim_whitespace=False)
    # Absent: the language of the request (Accept-Language), else "en"; the shop's emails are written in it.
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        password = attrs.get("password")
        if password is not None:
            if len(attrs["email"]) > LOGIN_NAME_MAX_LENGTH:
                raise serializers.ValidationError({"email": [email_too_long(LOGIN_NAME_MAX_LENGTH)]})
            try:
                validate_new_password(password, email=attrs["email"], name=attrs["name"])
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class UpdateCustomerDetailsInput(TargetsAggregate):
    customer_id = StrictUUIDField()
    name = StrictCharField(max_length=200, required=False)
    email = EmailInput(required=False)
    phone = StrictCharField(max_length=40, required=False, allow_blank=True)
    address = AddressInput(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not {"name", "email", "phone", "address", "language"} & attrs.keys():
            raise serializers.ValidationError(
                {"non_field_errors": ["Give at least one of name, email, phone, address, language."]}
            )
        return attrs


class CreateProductInput(CommandInput):
    sku = StrictCharField(max_length=SKU_MAX_LENGTH)
    name = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True, default="", max_length=10_000)
    price = MoneyField(min_value=Decimal("0.01"))
    stock = StrictIntegerField(min_value=0, max_value=MAX_STOCK, required=False, default=0)

    def validate_sku(self, value: str) -> str:
        if not sku_is_valid(value):
            raise serializers.ValidationError(SKU_RULE)
        return value


class UpdateProductInput(TargetsAggregate):
    product_id = StrictUUIDField()
    name = StrictCharField(max_length=200, required=False)
    description = StrictCharField(required=False, allow_blank=True, max_length=10_000)
    price = MoneyField(min_value=Decimal("0.01"), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not {"name", "description", "price"} & attrs.keys():
            raise serializers.ValidationError({"non_field_errors": ["Give at least one of name, description, price."]})
        return attrs


class DeleteProductInput(TargetsAggregate):
    product_id = StrictUUIDField()


class AdjustStockInput(TargetsAggregate):
    product_id = StrictUUIDField()
    delta = StrictIntegerField(min_value=-MAX_STOCK, max_value=MAX_STOCK)
    reason = StrictCharField(required=False, allow_blank=True, default="", max_length=500)

    def validate_delta(self, value: int) -> int:
        if value == 0:
            raise serializers.ValidationError("Must not be zero.")
        return value


class OrderLineInput(CommandInput):
    product_id = StrictUUIDField()
    quantity = StrictIntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class CreateOrderInput(CommandInput):
    customer_id = StrictUUIDField()
    lines = OrderLineInput(many=True, allow_empty=False, max_length=MAX_ORDER_LINES)  # type: ignore[call-arg]  # DRF passes it on
    # Omitted or null: the customer's address at the moment the order is placed.
    delivery_address = AddressInput(required=False, allow_null=True, default=None)

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        product_ids = [line["product_id"] for line in lines]
        if len(set(product_ids)) != len(product_ids):
            raise serializers.ValidationError("A product may appear at most once; add up its quantities.")
        return lines


class PayOrderInput(TargetsAggregate):
    order_id = StrictUUIDField()
    amount = MoneyField(min_value=Decimal("0.00"), max_digits=14, required=False)  # as large as an order total


class ShipOrderInput(TargetsAggregate):
    order_id = StrictUUIDField()
    tracking_number = StrictCharField(required=False, allow_blank=True, default="", max_length=100)


class CancelOrderInput(TargetsAggregate):
    order_id = StrictUUIDField()
    reason = StrictCharField(required=False, allow_blank=True, default="", max_length=500)


class RemoveOrderLineInput(TargetsAggregate):
    order_id = StrictUUIDField()
    product_id = StrictUUIDField()
