"""Domain events: small frozen facts, named in the past tense, one per accepted command."""

import dataclasses
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    aggregate_type: ClassVar[str]

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def payload(self) -> dict[str, Any]:
        return {field.name: _plain(getattr(self, field.name)) for field in dataclasses.fields(self)}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


# --- products ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProductCreated(DomainEvent):
    aggregate_type = "product"
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


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProductUpdated(DomainEvent):
    """Only the fields that changed are present in `changes` ("image": a new path, or "" when removed)."""

    aggregate_type = "product"
    changes: dict[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProductDeleted(DomainEvent):
    aggregate_type = "product"
    sku: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class StockAdjusted(DomainEvent):
    aggregate_type = "product"
    delta: int
    stock: int
    reason: str


# --- customers --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class CustomerRegistered(DomainEvent):
    aggregate_type = "customer"
    email: str
    name: str
    phone: str
    address: dict[str, str] | None
    user_id: int | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class CustomerDetailsUpdated(DomainEvent):
    aggregate_type = "customer"
    changes: dict[str, Any]


# --- orders -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderPlaced(DomainEvent):
    aggregate_type = "order"
    customer_id: UUID
    lines: list[dict[str, Any]]  # product_id, sku, name, unit_price, quantity
    total: Decimal
    currency: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderPaid(DomainEvent):
    aggregate_type = "order"
    customer_id: UUID
    amount: Decimal


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderShipped(DomainEvent):
    aggregate_type = "order"
    customer_id: UUID
    tracking_number: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderCancelled(DomainEvent):
    aggregate_type = "order"
    customer_id: UUID
    previous_status: str
    reason: str
    total: Decimal
    lines: list[dict[str, Any]]  # product_id, quantity: the stock returned


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
    )
}
