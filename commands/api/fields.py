"""Strict JSON fields: a number is not a string and a boolean is not a number."""

from typing import Any

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "A valid integer is required."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """Only a string names an id: DRF's UUIDField would turn the number 5 (or `true`) into a UUID."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class MoneyField(serializers.DecimalField):
    """A decimal string with at most two places ("12.50"); JSON numbers are accepted too."""

    def __init__(self, *, max_digits: int = 12, **kwargs: Any) -> None:
        super().__init__(max_digits=max_digits, decimal_places=2, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class CommandInput(serializers.Serializer):
    """A command body: unknown fields are an error, not silently dropped."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]}, code="invalid")
        unknown = {name: ["Unknown field."] for name in data if name not in self.fields}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({**exc.detail, **unknown}) from exc  # type: ignore[dict-item]
        if unknown:
            raise serializers.ValidationError(unknown)
        return value
