"""projection_status, rebuild_projections, verify_projections, load_demo: what an operator sees and relies on."""

import json
import uuid
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from commands.models import Customer, Event, Order, Product
from projections import progress, runner
from projections.models import Checkpoint, ParkedEvent
from projections.registry import CONSUMERS, PROJECTIONS, REACTORS
from queries.models import ProductView
from tests.factories import make_customer, make_product, place_order

pytestmark = pytest.mark.django_db(databases="__all__")


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def status_by_name() -> dict[str, dict]:
    return {row["name"]: row for row in json.loads(run("projection_status", "--json"))}


def run_every_consumer() -> None:
    runner.run_all()
    for reactor in REACTORS.values():  # run_all leaves the reactors to their tasks
        runner.run_projection(reactor)


def test_status_counts_the_events_each_projection_has_not_applied_yet():
    product_id = make_product(stock=5)
    place_order(make_customer(), (product_id, 2))
    head = progress.head_position()

    before = status_by_name()
    assert set(before) == set(CONSUMERS)  # the reactors too
    for row in before.values():
        assert (row["checkpoint"], row["head"], row["events_behind"]) == (0, head, 3)
        assert row["seconds_behind"] > 0

    run_every_consumer()
    make_product()
    after = status_by_name()
    for row in after.values():
        assert (row["checkpoint"], row["head"], row["events_behind"]) == (head, head + 1, 1)

    run_every_consumer()
    caught_up = status_by_name()
    assert all(row["events_behind"] == 0 and row["seconds_behind"] == 0 for row in caught_up.values())


def test_status_table_shows_every_projection_with_its_last_error_and_parked_events():
    make_product()
    runner.run_all()
    Checkpoint.objects.filter(name="orders").update(
        last_error="Traceback (most recent call last):\n  File \"x.py\"\nKeyError: 'lines'\n"
    )
    held = uuid.uuid4()
    ParkedEvent.objects.create(
        projection="orders", position=1, event_type="ProductCreated", aggregate_id=held, error="boom", attempts=3
    )

    table = run("projection_status")

    rows = {line.split("│")[1].strip(): line for line in table.splitlines() if line.startswith("│")}
    assert set(rows) == set(CONSUMERS)
    assert "KeyError: 'lines'" in rows["orders"] and "Traceback" not in rows["orders"]
    assert [cell.strip() for cell in rows["orders"].split("│")[-3:-1]] == ["1", str(held)]
    assert rows["catalog"].split("│")[-2].strip() == "-"
    assert status_by_name()["orders"]["parked"] == 1
    assert status_by_name()["orders"]["held_aggregates"] == [str(held)]
    assert status_by_name()["catalog"]["parked"] == 0


def test_rebuild_restores_a_tampered_read_model_and_reports_the_events_replayed():
    product_id = make_product(name="Kettle")
    runner.run_all()
    ProductView.objects.filter(pk=product_id).update(name="tampered")

    output = run("rebuild_projections", "--projection", "catalog")

    assert ProductView.objects.get(pk=product_id).name == "Kettle"
    catalog_row = next(line for line in output.splitlines() if "catalog" in line)
    assert catalog_row.split("│")[2].strip() == str(progress.head_position())
    assert Checkpoint.objects.get(name="catalog").position == progress.head_position()


def test_rebuild_of_every_projection_leaves_them_at_the_head():
    make_product()
    make_customer()
    run("rebuild_projections")
    assert all(status_by_name()[name]["events_behind"] == 0 for name in PROJECTIONS)  # a reactor is not rebuilt


def test_rebuild_of_an_unknown_projection_names_the_valid_ones():
    with pytest.raises(CommandError) as error:
        run("rebuild_projections", "--projection", "nonsense")
    assert "nonsense" in str(error.value)
    assert all(name in str(error.value) for name in PROJECTIONS)


def test_verify_passes_when_read_models_equal_a_replay_and_fails_after_tampering():
    product_id = make_product(stock=7)
    place_order(make_customer(), (product_id, 3))
    runner.run_all()
    assert "equals a fresh replay" in run("verify_projections")

    ProductView.objects.filter(pk=product_id).update(stock=99)
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("verify_projections", stdout=out)

    assert error.value.returncode == 1
    assert "catalog" in str(error.value)
    assert f"queries.ProductView {product_id}: differs in stock" in out.getvalue()
    assert ProductView.objects.get(pk=product_id).stock == 99  # verifying changes nothing


def test_load_demo_fills_both_sides_once_and_adds_nothing_the_second_time():
    first = run("load_demo")
    counts = (Product.objects.count(), Customer.objects.count(), Order.objects.count(), Event.objects.count())

    assert "admin / admin" in first
    assert counts[0] >= 10 and counts[1] == 2
    assert set(Order.objects.values_list("status", flat=True)) == {"pending", "paid", "shipped", "cancelled"}
    assert get_user_model().objects.get(username="admin").is_superuser
    assert get_user_model().objects.get(username="demo@example.com").check_password("demo-pass-123")
    assert ProductView.objects.count() == counts[0]  # projected without a worker
    assert all(status_by_name()[name]["events_behind"] == 0 for name in PROJECTIONS)

    assert "nothing added" in run("load_demo")
    assert (Product.objects.count(), Customer.objects.count(), Order.objects.count(), Event.objects.count()) == counts
