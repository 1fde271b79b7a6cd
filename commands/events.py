"""Domain events: small frozen facts, named in the past tense, one per accepted command.

The field annotations are the one declaration of each payload's shape: `payload()` writes the JSON the log
stores, `from_payload()` reads it back into the same types (decimals, UUIDs, statuses, nested lines), so a
consumer of the log never parses a payload by hand.
"""

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, Self, TypedDict
from uuid import UUID

from commands.models import OrderStatus


@typing.dataclass_transform(frozen_default=True, kw_only_default=True)
class DomainEvent:
    """Every subclass is a frozen, keyword-only dataclass: declaring the fields is declaring the payload."""

    aggregate_type: ClassVar[str]
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]  # set by __init_subclass__, for type checkers

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def fields(self) -> dict[str, Any]:
        """The fields by name, typed (a projection whose document has the same columns takes them as they are)."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    def payload(self) -> dict[str, Any]:
        return {name: _plain(value) for name, value in self.fields().items()}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        """The event as it was appended, from the JSON the log stores (a field with a default may be absent)."""
        names, converted = _field_types(cls)
        values = {name: payload[name] for name in names if name in payload}
        for name, convert in converted:
            if name in values:
                values[name] = convert(values[name])
        return cls(**values)


Convert = Callable[[Any], Any]
FieldTypes = tuple[tuple[str, ...], tuple[tuple[str, Convert], ...]]
_FIELD_TYPES: dict[type[DomainEvent], FieldTypes] = {}


def _field_types(cls: type[DomainEvent]) -> FieldTypes:
    """The fields' names, and the name and converter of each field JSON does not hold as it is, built once per
    class: a replay decodes a million payloads, and resolving the annotations each time (get_type_hints) was most
    of the cost; calling a converter for a string or an int that stays as it is was a tenth of the rest."""
    if cls not in _FIELD_TYPES:
        hints = typing.get_type_hints(cls)
        names = tuple(field.name for field in dataclasses.fields(cls))
        converters = ((name, _converter(hints[name])) for name in names)
        _FIELD_TYPES[cls] = names, tuple((name, convert) for name, convert in converters if convert is not _keep)
    return _FIELD_TYPES[cls]


def _keep(value: Any) -> Any:
    return value


@functools.cache
def _converter(hint: Any) -> Convert:
    """The function that turns a JSON value into `hint`'s type (None stays None), decided once per annotation.
    Each converter checks for None itself: a wrapper per level was one more call per value decoded."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _converter(next(arg for arg in args if arg is not type(None)))
    if origin is list:
        item = _converter(args[0])
        return lambda value: None if value is None else [item(each) for each in value]
    if typing.is_typeddict(hint):
        converters = {key: _converter(field) for key, field in typing.get_type_hints(hint).items()}
        converted = tuple((key, convert) for key, convert in converters.items() if convert is not _keep)
        return lambda value: None if value is None else _converted_dict(value, converted)
    if hint is UUID:
        return lambda value: None if value is None else parsed_uuid(value)
    if hint is Decimal or (isinstance(hint, type) and issubclass(hint, enum.Enum)):
        return lambda value: None if value is None else hint(value)
    return _keep


def _converted_dict(value: dict[str, Any], converted: tuple[tuple[str, Convert], ...]) -> dict[str, Any]:
    result = dict(value)
    for key, convert in converted:
        if key in result:
            result[key] = convert(result[key])
    return result


@functools.lru_cache(maxsize=2**16)
def parsed_uuid(text: str) -> UUID:
    """A UUID from its text, parsed once per id: a replay reads the same products' and customers' ids again and
    again, and UUID() costs about twenty times a cache hit (a UUID is immutable: one object serves every event
    that names it)."""
    return UUID(text)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


class ProductChanges(TypedDict, total=False):
    name: str
    description: str
    price: Decimal
    image: str


class CustomerChanges(TypedDict, total=False):
    name: str
    email: str
    phone: str
    address: dict[str, str] | None
    language: str


class PlacedLine(TypedDict):
    """An order line as placed: the product's sku, name and price snapshotted."""

    product_id: UUID
    sku: str
    name: str
    unit_price: Decimal
    quantity: int


class ReturnedLine(TypedDict):
    """The stock a cancellation returns."""

    product_id: UUID
    quantity: int


# --- products ---------------------------------------------------------------------------------------


class ProductEvent(DomainEvent):
    aggregate_type = "product"


class ProductCreated(ProductEvent):
    sku: str
    name: str
    description: str
    price: Decimal
    stock: int
    image: str = ""  # the stored image's path; optional in the payload: absent means no image

    def payload(self) -> dict[str, Any]:
        payload = super().payload()
        if not self.image:
            del payload["image"]  # an imageless product's event reads exactly as before images
        return payload


class ProductUpdated(ProductEvent):
    """Only the fields that changed are present in `changes` ("image": a new path, or "" when removed)."""

    changes: ProductChanges


class ProductDeleted(ProductEvent):
    sku: str


class StockAdjusted(ProductEvent):
    delta: int
    stock: int
    reason: str


# --- customers --------------------------------------------------------------------------------------


class CustomerEvent(DomainEvent):
    aggregate_type = "customer"


class CustomerRegistered(CustomerEvent):
    email: str
    name: str
    phone: str
    address: dict[str, str] | None
    user_id: int | None
    # Events appended before customers had a language read back as English, the shop's language then.
    language: str = "en"


class CustomerDetailsUpdated(CustomerEvent):
    """Only the fields that changed are present in `changes`."""

    changes: CustomerChanges


# --- orders -----------------------------------------------------------------------------------------


class OrderEvent(DomainEvent):
    """Every order event names the order's customer (the customer projections and the storefront key on it)."""

    aggregate_type = "order"
    customer_id: UUID


class OrderPlaced(OrderEvent):
    lines: list[PlacedLine]
    total: Decimal
    currency: str
    # Events appended before orders had a delivery address carry none: they read back as None.
    delivery_address: dict[str, str] | None = None


class OrderPaid(OrderEvent):
    amount: Decimal
    # The card gateway's charge id; empty for a payment staff recorded by hand (and for events before it existed).
    payment_reference: str = ""


class OrderShipped(OrderEvent):
    tracking_number: str


class OrderCancelled(OrderEvent):
    previous_status: OrderStatus
    reason: str
    total: Decimal
    lines: list[ReturnedLine]


class OrderLineRemoved(OrderEvent):
    """One line taken out of a pending order: its units go back to stock; `total` is the order's new total."""

    product_id: UUID
    sku: str
    quantity: int
    line_total: Decimal
    total: Decimal


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.type_name(): cls
    for cls in (
        ProductCreated,
        ProductUpdated,
        ProductDeleted,
        StockAdjusted,
        CustomerRegistered,
        CustomerDetailsUpdated,
        OrderPlaced,
        OrderPaid,
        OrderShipped,
        OrderCancelled,
        OrderLineRemoved,
    )
}
