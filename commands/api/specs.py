"""The command catalogue of docs/api.md: body, handler, who may send it, where its result can be read."""

import dataclasses
from typing import Any

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
from commands.handlers.command import CommandHandler


@dataclasses.dataclass(frozen=True)
class CommandSpec:
    input: type[CommandInput]
    handler: CommandHandler[Any]
    policy: CommandPolicy
    location: str | None
    summary: str

    @property
    def name(self) -> str:
        """The handler's command name: declared once, beside the handler."""
        return self.handler.name


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        inputs.RegisterCustomerInput,
        customers.register_customer,
        StaffOrSelfSignup("commands.add_customer"),
        "/api/v1/customers/{id}/",
        "Register a customer; with `password` a login is created (username = email).",
    ),
    CommandSpec(
        inputs.UpdateCustomerDetailsInput,
        customers.update_customer_details,
        StaffOrCustomerThemself("commands.change_customer", hide_others=True),
        "/api/v1/customers/{id}/",
        "Change a customer's name, email, phone or address.",
    ),
    CommandSpec(
        inputs.CreateProductInput,
        products.create_product,
        StaffOnly("commands.add_product"),
        "/api/v1/products/{id}/",
        "Add a product to the catalog.",
    ),
    CommandSpec(
        inputs.UpdateProductInput,
        products.update_product,
        StaffOnly("commands.change_product"),
        "/api/v1/products/{id}/",
        "Change a product's name, description or price.",
    ),
    CommandSpec(
        inputs.DeleteProductInput,
        products.delete_product,
        StaffOnly("commands.delete_product"),
        None,
        "Take a product out of the catalog; existing orders keep their snapshot.",
    ),
    CommandSpec(
        inputs.AdjustStockInput,
        products.adjust_stock,
        StaffOnly("commands.adjust_stock"),
        "/api/v1/products/{id}/",
        "Add or remove units of stock; stock never goes below 0.",
    ),
    CommandSpec(
        inputs.CreateOrderInput,
        orders.place_order,
        StaffOrCustomerThemself("commands.add_order", hide_others=False),
        "/api/v1/orders/{id}/",
        "Place an order: reserves stock for every line or none, snapshots prices.",
    ),
    CommandSpec(
        inputs.PayOrderInput,
        orders.pay_order,
        StaffOnly("commands.pay_order"),
        "/api/v1/orders/{id}/",
        "Mark a pending order paid.",
    ),
    CommandSpec(
        inputs.ShipOrderInput,
        orders.ship_order,
        StaffOnly("commands.ship_order"),
        "/api/v1/orders/{id}/",
        "Mark a paid order shipped.",
    ),
    CommandSpec(
        inputs.CancelOrderInput,
        orders.cancel_order,
        StaffOrOrderOwner("commands.cancel_order"),
        "/api/v1/orders/{id}/",
        "Cancel a pending or paid order; its stock is returned.",
    ),
    CommandSpec(
        inputs.RemoveOrderLineInput,
        orders.remove_order_line,
        StaffOnly("commands.change_order"),
        "/api/v1/orders/{id}/",
        "Take one line out of a pending order; its stock is returned. The last line cannot be removed.",
    ),
)
