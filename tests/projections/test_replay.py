"""Replay equals live: rebuilding every read model from position 0 gives exactly the rows kept up incrementally."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from commands.errors import CommandError
from commands.handlers import customers, orders, products
from commands.models import Event
from projections import blue_green, runner, verification
from projections.registry import PROJECTIONS
from queries.models import ProductView
from tests.factories import context, make_customer, make_product, place_order
from tests.projections.history import mixed_history, query_documents, read_side_snapshot

pytestmark = pytest.mark.django_db(databases="__all__")


def verify_all() -> dict[str, list[str]]:
    return {name: verification.verify(projection) for name, projection in PROJECTIONS.items()}


def rebuild_all() -> None:
    for projection in PROJECTIONS.values():
        blue_green.rebuild(projection)


def test_rebuild_keeps_every_row_and_every_query_document(staff_api):
    history = mixed_history(between=runner.run_all)
    runner.run_all()
    live = read_side_snapshot()
    documents = query_documents(staff_api)
    # The live side really holds the history, so equality below compares something.
    assert documents[f"orders/{history['pending']}"]["customer"]["name"] == "Ann B."
    assert len(documents["events"]["results"]) == Event.objects.count() == 25
    assert verify_all() == {name: [] for name in PROJECTIONS}

    rebuild_all()

    assert read_side_snapshot() == live
    assert query_documents(staff_api) == documents


def test_the_management_commands_rebuild_and_verify(staff_api):
    mixed_history(between=runner.run_all)
    runner.run_all()
    live = read_side_snapshot()
    documents = query_documents(staff_api)

    call_command("rebuild_projections")
    call_command("verify_projections")  # raises CommandError on any difference

    assert read_side_snapshot() == live
    assert query_documents(staff_api) == documents


def test_verify_notices_a_tampered_row_and_rebuild_repairs_it():
    history = mixed_history()
    runner.run_all()
    live = read_side_snapshot()
    ProductView.objects.filter(pk=history["kettle"]).update(stock=999)

    assert verification.verify(PROJECTIONS["catalog"]) == [f"queries.ProductView {history['kettle']}: differs in stock"]
    blue_green.rebuild(PROJECTIONS["catalog"])
    assert read_side_snapshot() == live


# --- the same property over random histories -------------------------------------------------------------------

index = st.integers(min_value=0, max_value=50)
operation = st.one_of(
    st.tuples(st.just("create_product"), st.integers(1, 5000), st.integers(0, 20)),
    st.tuples(st.just("register_customer")),
    st.tuples(st.just("rename_customer"), index),
    st.tuples(st.just("change_email"), index),
    st.tuples(st.just("update_product"), index, st.integers(1, 5000)),
    st.tuples(st.just("adjust_stock"), index, st.integers(-5, 10).filter(bool)),
    st.tuples(st.just("delete_product"), index),
    st.tuples(st.just("place_order"), index, st.lists(st.tuples(index, st.integers(1, 5)), min_size=1, max_size=3)),
    st.tuples(st.just("pay_order"), index),
    st.tuples(st.just("ship_order"), index),
    st.tuples(st.just("cancel_order"), index),
    st.tuples(st.just("project")),
)


class RandomShop:
    """Runs abstract operations against the command handlers; refused commands are simply refused."""

    def __init__(self) -> None:
        self.products: list[uuid.UUID] = [make_product(stock=10)]
        self.customers: list[uuid.UUID] = [make_customer()]
        self.orders: list[uuid.UUID] = []

    def run(self, name: str, *args: object) -> None:
        with suppress(CommandError):
            getattr(self, name)(*args)

    def project(self) -> None:
        runner.run_all()

    def create_product(self, cents: int, stock: int) -> None:
        self.products.append(make_product(price=f"{Decimal(cents) / 100:.2f}", stock=stock))

    def register_customer(self) -> None:
        self.customers.append(make_customer())

    def rename_customer(self, i: int) -> None:
        customer_id = self.customers[i % len(self.customers)]
        customers.update_customer_details(context=context(), customer_id=customer_id, name=f"Renamed {i}")

    def change_email(self, i: int) -> None:
        customer_id = self.customers[i % len(self.customers)]
        email = f"moved-{uuid.uuid4().hex[:8]}@example.com"
        customers.update_customer_details(context=context(), customer_id=customer_id, email=email)

    def update_product(self, i: int, cents: int) -> None:
        product_id = self.products[i % len(self.products)]
        price = Decimal(cents) / 100
        products.update_product(context=context(), product_id=product_id, price=price, name=f"Item {cents}")

    def adjust_stock(self, i: int, delta: int) -> None:
        products.adjust_stock(context=context(), product_id=self.products[i % len(self.products)], delta=delta)

    def delete_product(self, i: int) -> None:
        products.delete_product(context=context(), product_id=self.products[i % len(self.products)])

    def place_order(self, i: int, lines: list[tuple[int, int]]) -> None:
        wanted = {self.products[p % len(self.products)]: quantity for p, quantity in lines}
        order = place_order(self.customers[i % len(self.customers)], *wanted.items())
        self.orders.append(order.aggregate_id)

    def _order(self, i: int) -> uuid.UUID:
        if not self.orders:
            raise CommandError("no order yet")
        return self.orders[i % len(self.orders)]

    def pay_order(self, i: int) -> None:
        orders.pay_order(context=context(), order_id=self._order(i))

    def ship_order(self, i: int) -> None:
        orders.ship_order(context=context(), order_id=self._order(i), tracking_number=f"T-{i}")

    def cancel_order(self, i: int) -> None:
        orders.cancel_order(context=context(), order_id=self._order(i))


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each example starts from an empty log and read side, so examples stay small and shrink quickly."""
    with transaction.atomic(using="default"), transaction.atomic(using="read"):
        yield
        transaction.set_rollback(True, using="default")
        transaction.set_rollback(True, using="read")


@settings(
    max_examples=15,
    deadline=None,
    # No shrinking: every example replays the log several times, so shrinking a failure takes minutes.
    # A failure prints the whole generated history instead.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=5, max_size=40))
def test_any_history_projected_live_equals_its_replay(operations):
    with rolled_back():
        shop = RandomShop()
        for name, *args in operations:
            shop.run(name, *args)
        runner.run_all()
        live = read_side_snapshot()

        assert verify_all() == {name: [] for name in PROJECTIONS}
        rebuild_all()
        assert read_side_snapshot() == live
