"""What @command gives every handler: its command's name, its own transaction, the actor of the person sending it."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from commands.api.specs import COMMANDS
from commands.errors import CommandRejected, RejectionCode
from commands.event_log import CommandContext
from commands.handlers import customers, orders, products
from commands.models import Event, Product
from commands.signals import events_recorded
from tests.commands.command_api import write_state
from tests.factories import context, make_customer, make_product

pytestmark = pytest.mark.django_db


def test_every_catalogued_command_is_named_by_its_handler():
    assert [spec.name for spec in COMMANDS] == [
        "register-customer",
        "update-customer-details",
        "create-product",
        "update-product",
        "delete-product",
        "adjust-stock",
        "create-order",
        "pay-order",
        "ship-order",
        "cancel-order",
        "remove-order-line",
    ]
    assert orders.place_order.name == "create-order"  # the API's name for placing an order


def test_the_actor_is_spelled_one_way():
    user = get_user_model().objects.create_user(username="kate")
    assert CommandContext.for_user(user, command="pay-order").actor == f"user:{user.pk}"
    assert CommandContext.for_user(AnonymousUser(), command="register-customer").actor == "anonymous"


def test_send_records_the_command_and_the_user():
    user = get_user_model().objects.create_user(username="kate")
    result = products.create_product.send(user, sku="MUG-1", name="Mug", price="3.00")
    metadata = Event.objects.get(position=result.position).metadata
    assert (metadata["command"], metadata["actor"]) == ("create-product", f"user:{user.pk}")


def test_a_handler_that_fails_after_writing_leaves_nothing_behind():
    """The handler's own transaction: the product row was saved when the event append failed."""

    def fail(**kwargs):
        raise RuntimeError("the append failed")

    events_recorded.connect(fail, dispatch_uid="fail-append")
    before = write_state()
    try:
        with pytest.raises(RuntimeError):
            products.create_product(context=context(), sku="MUG-2", name="Mug", price="3.00")
    finally:
        events_recorded.disconnect(dispatch_uid="fail-append")

    assert write_state() == before
    assert not Product.objects.filter(sku="MUG-2").exists()


@pytest.mark.parametrize(
    ("refuse", "code", "field"),
    [
        (lambda: products.create_product(context=context(), sku="TAKEN", name="X", price="1"), "sku_taken", "sku"),
        (
            lambda: customers.register_customer(context=context(), email="taken@example.com", name="X"),
            "email_taken",
            "email",
        ),
    ],
)
def test_a_refusal_names_the_field_it_concerns(refuse, code, field):
    make_product(sku="TAKEN")
    make_customer(email="taken@example.com")

    with pytest.raises(CommandRejected) as refused:
        refuse()

    assert (refused.value.code, refused.value.field) == (RejectionCode(code), field)
