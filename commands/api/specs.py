"""The command catalogue of docs/api.md: body, handler, who may send it, where its result can be read."""

import dataclasses
from collections.abc import Callable

from commands.api import inputs
from commands.api.fields import CommandInput
from commands.api.permissions import (
    CommandPolicy,
    StaffOnly,
    StaffOrCustomerThemself,
    StaffOrOrderOwner,
    StaffOrSelfSignup,
)
from commands.handlers import customers, orders, products
from commands.handlers.recording import CommandResult


@dataclasses.dataclass(frozen=True)
class CommandSpec:
    name: str
    input: type[CommandInput]
    handler: Callable[..., CommandResult]
    policy: CommandPolicy
    location: str | None
    summary: str


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "register-customer",
        inputs.RegisterCustomerInput,
        customers.register_customer,
        StaffOrSelfSignup("commands.add_customer"),
        "/api/v1/customers/{id}/",
        "Register a customer; with `password` a login is created (username = email).",
    ),
    CommandSpec(
        "update-customer-details",
        inputs.UpdateCustomerDetailsInput,
        customers.update_customer_details,
        StaffOrCustomerThemself("commands.change_customer", hide_others=True),
        "/api/v1/customers/{id}/",
        "Change a customer's name, email, phone or address.",
    ),
    CommandSpec(
        "create-product",
        inputs.CreateProductInput,
        products.create_product,
        StaffOnly("commands.add_product"),
        "/api/v1/products/{id}/",
        "Add a product to the catalog.",
    ),
    CommandSpec(
        "update-product",
        inputs.UpdateProductInput,
        products.update_product,
        StaffOnly("commands.change_product"),
        "/api/v1/products/{id}/",
        "Change a product's name, description or price.",
    ),
    CommandSpec(
        "delete-product",
        inputs.DeleteProductInput,
        products.delete_product,
        StaffOnly("commands.delete_product"),
        None,
        "Take a product out of the catalog; existing orders keep their snapshot.",
    ),
    CommandSpec(
        "adjust-stock",
        inputs.AdjustStockInput,
        products.adjust_stock,
        StaffOnly("commands.adjust_stock"),
        "/api/v1/products/{id}/",
        "Add or remove units of stock; stock never goes below 0.",
    ),
    CommandSpec(
        "create-order",
        inputs.CreateOrderInput,
        orders.place_order,
        StaffOrCustomerThemself("commands.add_order", hide_others=False),
        "/api/v1/orders/{id}/",
        "Place an order: reserves stock for every line or none, snapshots prices.",
    ),
    CommandSpec(
        "pay-order",
        inputs.PayOrderInput,
        orders.pay_order,
        StaffOnly("commands.pay_order"),
        "/api/v1/orders/{id}/",
        "Mark a pending order paid.",
    ),
    CommandSpec(
        "ship-order",
        inputs.ShipOrderInput,
        orders.ship_order,
        StaffOnly("commands.ship_order"),
        "/api/v1/orders/{id}/",
        "Mark a paid order shipped.",
    ),
    CommandSpec(
        "cancel-order",
        inputs.CancelOrderInput,
        orders.cancel_order,
        StaffOrOrderOwner("commands.cancel_order"),
        "/api/v1/orders/{id}/",
        "Cancel a pending or paid order; its stock is returned.",
    ),
)
