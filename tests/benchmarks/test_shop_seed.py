"""The bench's bulk seeder writes what the handlers and projections would: verify_projections agrees."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from benchmarks import http_part
from benchmarks.shop_plan import SCALES
from benchmarks.shop_seed import seed_shop
from commands.models import Customer, Event, Order, OrderLine, Product
from projections import progress, runner
from projections.models import Checkpoint
from projections.registry import REACTORS
from queries.models import CustomerView, EventRecord, OrderView, ProductView
from tests.factories import make_customer, make_product, place_order

pytestmark = pytest.mark.django_db(databases="__all__")


def verify() -> str:
    out = StringIO()
    call_command("verify_projections", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seeded_shop_equals_a_replay_and_takes_live_commands_after_it():
    make_product(name="Before the seed")  # the seeder appends after an existing log
    runner.run_all()
    scale = SCALES["tiny"]

    seeded = seed_shop(scale)

    assert (Product.objects.count(), Customer.objects.count(), Order.objects.count()) == (6, 12, 40)
    assert OrderLine.objects.count() >= 40
    assert OrderView.objects.count() == 40 and ProductView.objects.count() == 6
    assert Event.objects.count() == EventRecord.objects.count() == seeded.events + 1
    assert progress.read_position() == progress.head_position() == seeded.head
    # The reactors too: seeded orders are history, a bench worker must not mail them.
    assert {each.position for each in Checkpoint.objects.all()} == {seeded.head}
    assert set(Checkpoint.objects.values_list("name", flat=True)) >= set(REACTORS)
    assert len(seeded.order_ids) == 40 and set(seeded.order_ids) == {
        str(pk) for pk in OrderView.objects.values_list("pk", flat=True)
    }
    assert CustomerView.objects.filter(total_spent__gt=0).exists()
    assert "difference" not in verify()

    # The sequence moved past the seeded positions: a live command appends and projects on top.
    result = place_order(make_customer(), (Product.objects.get(sku="SKU-000001").pk, 2))
    assert result.position == seeded.head + 2
    runner.run_all()
    assert ProductView.objects.get(sku="SKU-000001").stock == Product.objects.get(sku="SKU-000001").stock
    assert "difference" not in verify()


def test_verify_would_catch_a_seeded_row_that_a_replay_disagrees_with():
    seed_shop(SCALES["tiny"])
    customer = CustomerView.objects.filter(orders_count__gt=0).first()
    CustomerView.objects.filter(pk=customer.pk).update(orders_count=customer.orders_count + 1)
    with pytest.raises(CommandError):
        verify()


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_kept_seed_is_reused_by_the_next_run_of_its_scale_only(tmp_path, monkeypatch):
    monkeypatch.setattr(http_part, "RESULTS", tmp_path)
    tiny = SCALES["tiny"]

    first, _ = http_part.seed(tiny, niceness=0, keep=True)
    events = Event.objects.count()
    again, _ = http_part.seed(tiny, niceness=0, keep=True)

    assert again == first and Event.objects.count() == events  # nothing seeded twice
    assert http_part.kept_seed(SCALES["small"]) is None  # another scale seeds afresh
    Event.objects.filter(position=first.head).delete()
    assert http_part.kept_seed(tiny) is None  # databases that no longer hold the seed
