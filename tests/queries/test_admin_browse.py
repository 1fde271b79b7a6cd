"""Read-model pages: read-only, quick on big tables, searchable, and linked to each other."""

import datetime

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projections import runner
from queries.admin import paginator
from queries.models import CustomerView, EventRecord, OrderView, ProductView
from queries.templatetags.admin_dates import periods
from tests.factories import make_customer, make_product, place_order
from tests.queries.admin_clients import staff_client

pytestmark = pytest.mark.django_db(databases="__all__")

READ_MODELS = [ProductView, CustomerView, OrderView, EventRecord]


def url(model, view, *args):
    return reverse(f"admin:queries_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def order():
    result = place_order(make_customer(name="Ann"), (make_product(name="Kettle"), 1))
    runner.run_all()
    return OrderView.objects.get(pk=result.aggregate_id)


@pytest.fixture
def superuser():
    return staff_client(superuser=True, username="root")


@pytest.mark.parametrize("model", READ_MODELS, ids=lambda model: model.__name__)
def test_every_read_model_list_and_page_renders_read_only(superuser, order, model):
    row = model.objects.first()
    listing = superuser.get(url(model, "changelist"))
    assert listing.status_code == 200
    assert url(model, "add") not in listing.content.decode()

    page = superuser.get(url(model, "change", row.pk))

    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}  # every field is shown read-only
    assert 'name="_save"' not in page.content.decode()


@pytest.mark.parametrize("model", READ_MODELS, ids=lambda model: model.__name__)
def test_read_rows_cannot_be_added_changed_or_deleted_even_by_a_superuser(superuser, order, model):
    row = model.objects.first()
    before = list(model.objects.values())
    assert superuser.get(url(model, "add")).status_code == 403
    assert superuser.post(url(model, "add"), {}).status_code == 403
    assert superuser.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    superuser.post(url(model, "change", row.pk), {"_save": "Save"})
    assert list(model.objects.values()) == before
    action_form = superuser.get(url(model, "changelist")).context["action_form"]
    choices = dict(action_form.fields["action"].choices) if action_form else {}
    assert "delete_selected" not in choices


def test_lists_show_links_between_orders_customers_and_products(superuser, order):
    orders_page = superuser.get(url(OrderView, "changelist")).content.decode()
    assert url(CustomerView, "change", order.customer_id) in orders_page
    events_page = superuser.get(url(EventRecord, "changelist")).content.decode()
    assert url(OrderView, "change", order.pk) in events_page
    assert url(ProductView, "change", order.lines[0]["product_id"]) in events_page


def test_a_pasted_id_is_found_through_the_primary_key(superuser, order):
    customers = superuser.get(url(CustomerView, "changelist"), {"q": str(order.customer_id)})
    assert [row.pk for row in customers.context["cl"].result_list] == [order.customer_id]
    events = superuser.get(url(EventRecord, "changelist"), {"q": str(order.pk)})
    assert [row.type for row in events.context["cl"].result_list] == ["OrderPlaced"]
    placed = EventRecord.objects.get(aggregate_id=order.pk)
    by_position = superuser.get(url(EventRecord, "changelist"), {"q": str(placed.position)})
    assert [row.pk for row in by_position.context["cl"].result_list] == [placed.position]


def test_history_names_who_did_it_and_with_which_command(superuser, order):
    page = superuser.get(url(OrderView, "change", order.pk)).content.decode()
    assert 'data-event-type="OrderPlaced"' in page
    assert "create-order" in page  # the factories' command name, from the event metadata
    assert "&quot;name&quot;: &quot;Kettle&quot;" in page  # the payload as JSON, not a Python repr


def test_unfiltered_big_lists_take_the_planner_estimate_not_a_count(superuser, order, monkeypatch):
    for _ in range(3):
        make_product()
    runner.run_all()
    with connections["read"].cursor() as cursor:
        cursor.execute("ANALYZE queries_productview")
    monkeypatch.setattr(paginator, "EXACT_COUNT_BELOW", 1)

    with CaptureQueriesContext(connections["read"]) as queries:
        response = superuser.get(url(ProductView, "changelist"))

    assert not [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]
    assert response.context["cl"].paginator.is_estimated
    assert response.context["cl"].result_count == ProductView.objects.count() == 4
    assert "about 4" in response.content.decode()


def test_filtered_big_lists_take_the_planners_row_estimate(superuser, order, monkeypatch):
    monkeypatch.setattr(paginator, "EXACT_COUNT_BELOW", 1)
    estimate = paginator.planner_estimate(OrderView.objects.filter(status="pending"))
    assert isinstance(estimate, int) and estimate >= 0
    with CaptureQueriesContext(connections["read"]) as queries:
        response = superuser.get(url(OrderView, "changelist"), {"status": "pending"})
    assert response.status_code == 200
    assert not [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]


def test_small_lists_are_counted_exactly(superuser, order):
    response = superuser.get(url(OrderView, "changelist"))
    assert not response.context["cl"].paginator.is_estimated
    assert response.context["cl"].result_count == 1
    assert response.context["cl"].full_result_count is None  # show_full_result_count = False


def test_lists_do_not_scan_for_filter_choices(superuser, order):
    """Fixed filter choices: no SELECT DISTINCT over the table on each page load."""
    with CaptureQueriesContext(connections["read"]) as queries:
        superuser.get(url(OrderView, "changelist"))
        superuser.get(url(EventRecord, "changelist"))
    assert not [query["sql"] for query in queries if "DISTINCT" in query["sql"].upper()]


def test_read_pages_need_view_permission():
    client = staff_client("queries.view_orderview")
    assert client.get(url(OrderView, "changelist")).status_code == 200
    for model in (ProductView, CustomerView, EventRecord):
        assert client.get(url(model, "changelist")).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert url(OrderView, "changelist") in index
    assert url(ProductView, "changelist") not in index


def test_the_admin_has_its_title(superuser):
    assert "cqrs-shop admin" in superuser.get(reverse("admin:index")).content.decode()


def test_date_drill_down_offers_every_period_between_the_first_and_last_row():
    assert list(periods(datetime.date(2023, 11, 5), datetime.date(2024, 2, 1), "month")) == [
        datetime.date(2023, 11, 1),
        datetime.date(2023, 12, 1),
        datetime.date(2024, 1, 1),
        datetime.date(2024, 2, 1),
    ]
    assert list(periods(datetime.date(2022, 6, 1), datetime.date(2024, 1, 1), "year"))[-1] == datetime.date(2024, 1, 1)
    assert len(list(periods(datetime.date(2024, 2, 27), datetime.date(2024, 3, 2), "day"))) == 5


def test_date_drill_down_links_to_the_day_of_the_orders(superuser, order):
    page = superuser.get(url(OrderView, "changelist")).content.decode()
    day = order.created_at
    assert f"created_at__day={day.day}" in page
    drilled = superuser.get(
        url(OrderView, "changelist"),
        {"created_at__year": day.year, "created_at__month": day.month, "created_at__day": day.day},
    )
    assert [row.pk for row in drilled.context["cl"].result_list] == [order.pk]
