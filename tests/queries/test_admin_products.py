"""Product forms in the admin: each sends a catalog command, and shows a refused one's reason."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commands.handlers import products
from commands.models import Event, Product
from projections import runner
from queries.admin import command_runner
from tests.commands.command_api import write_state
from tests.factories import context, make_product
from tests.queries.admin_clients import actor, assert_refused_by_form, last_event, messages_of, staff_client

pytestmark = pytest.mark.django_db(databases="__all__")

CATALOG = (
    "queries.view_productview",
    "commands.add_product",
    "commands.change_product",
    "commands.delete_product",
    "commands.adjust_stock",
)
CREATE_URL = reverse("admin:queries_productview_create")
LIST_URL = reverse("admin:queries_productview_changelist")


def edit_url(product_id):
    return reverse("admin:queries_productview_edit", args=[product_id])


def stock_url(product_id):
    return reverse("admin:queries_productview_stock", args=[product_id])


def delete_url(product_id):
    return reverse("admin:queries_productview_delete_product", args=[product_id])


def change_url(product_id):
    return reverse("admin:queries_productview_change", args=[product_id])


def test_add_product_sends_create_product():
    client = staff_client(*CATALOG)
    assert CREATE_URL.encode() in client.get(LIST_URL).content  # the "Add product" button
    assert client.get(CREATE_URL).status_code == 200
    form = {"sku": "KETTLE-1", "name": "Kettle", "description": "Boils", "price": "24.50", "stock": "7"}

    response = client.post(CREATE_URL, form)

    assert response.status_code == 302
    product = Product.objects.get(sku="KETTLE-1")
    assert (product.name, product.price, product.stock, product.version) == ("Kettle", Decimal("24.50"), 7, 1)
    event = last_event(product.pk)
    assert event.type == "ProductCreated"
    assert event.payload["price"] == "24.50"
    assert event.metadata["actor"] == actor(client)
    assert event.metadata["command"] == "create-product"
    assert any("Product KETTLE-1 created." in message for message in messages_of(response))


@pytest.fixture
def instant_projection(monkeypatch):
    """Project right after each command, as if the worker were instant."""
    original = command_runner.wait_until_projected

    def project_then_wait(position, projections):
        runner.run_all()
        return original(position, projections)

    monkeypatch.setattr(command_runner, "wait_until_projected", project_then_wait)


def test_add_product_lands_on_its_page_once_projected(instant_projection):
    client = staff_client(*CATALOG)
    response = client.post(CREATE_URL, {"sku": "MUG-1", "name": "Mug", "price": "3.00", "stock": "1"})
    product = Product.objects.get(sku="MUG-1")
    assert response["Location"] == change_url(product.pk)
    assert "Mug" in client.get(response["Location"]).content.decode()


def test_add_product_with_a_taken_sku_shows_the_rule_and_writes_nothing():
    make_product(sku="TAKEN-1")
    client = staff_client(*CATALOG)
    events_before = Event.objects.count()

    response = client.post(CREATE_URL, {"sku": "TAKEN-1", "name": "Another", "price": "1.00", "stock": "0"})

    assert response.status_code == 200
    assert response.context["form"].errors["sku"] == ["A product with SKU 'TAKEN-1' already exists."]
    assert Event.objects.count() == events_before
    assert Product.objects.filter(sku="TAKEN-1").count() == 1


def test_add_product_validates_the_shape_before_any_command():
    client = staff_client(*CATALOG)
    response = client.post(CREATE_URL, {"sku": "bad sku!", "name": "X", "price": "0", "stock": "-1"})
    assert_refused_by_form(response, {"sku", "price", "stock"})


def test_edit_form_is_prefilled_from_the_read_model_and_sends_only_what_changed():
    product_id = make_product(name="Teapot", price="20.00")
    runner.run_all()
    client = staff_client(*CATALOG)
    page = client.get(edit_url(product_id))
    assert page.context["form"].initial == {
        "name": "Teapot",
        "description": page.context["form"].initial["description"],
        "price": Decimal("20.00"),
        "expected_version": 1,
    }

    response = client.post(
        edit_url(product_id),
        {
            "name": "Teapot",
            "description": page.context["form"].initial["description"],
            "price": "22.00",
            "expected_version": "1",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == change_url(product_id)
    product = Product.objects.get(pk=product_id)
    assert (product.price, product.version) == (Decimal("22.00"), 2)
    event = last_event(product_id)
    assert (event.type, event.payload["changes"]) == ("ProductUpdated", {"price": "22.00"})
    assert event.metadata["actor"] == actor(client)


def test_edit_after_someone_else_changed_the_product_is_refused():
    product_id = make_product(name="Teapot")
    runner.run_all()
    products.update_product(context=context(), product_id=product_id, name="Teapot II")
    client = staff_client(*CATALOG)

    response = client.post(
        edit_url(product_id), {"name": "My teapot", "description": "", "price": "9.99", "expected_version": "1"}
    )

    assert response.status_code == 200
    assert "Someone else changed this product meanwhile (it is now at version 2)" in response.content.decode()
    assert Product.objects.get(pk=product_id).name == "Teapot II"
    assert last_event(product_id).aggregate_version == 2


def test_adjust_stock_sends_adjust_stock():
    product_id = make_product(stock=10)
    runner.run_all()
    client = staff_client(*CATALOG)

    response = client.post(stock_url(product_id), {"delta": "-4", "reason": "breakage"})

    assert response.status_code == 302
    assert Product.objects.get(pk=product_id).stock == 6
    event = last_event(product_id)
    assert (event.type, event.payload) == ("StockAdjusted", {"delta": -4, "stock": 6, "reason": "breakage"})
    assert any("adjusted by -4" in message for message in messages_of(response))


def test_adjust_stock_below_zero_shows_the_rule_on_the_field_and_changes_nothing():
    product_id = make_product(stock=3, sku="LOW-1")
    runner.run_all()
    client = staff_client(*CATALOG)
    before = write_state()

    response = client.post(stock_url(product_id), {"delta": "-5", "reason": ""})

    errors = response.context["form"].errors
    assert (response.status_code, errors["delta"]) == (200, ["Stock of LOW-1 is 3; it cannot go down by 5."])
    assert write_state() == before


def test_delete_product_discontinues_it_through_the_command():
    product_id = make_product()
    runner.run_all()
    client = staff_client(*CATALOG)
    assert "Take" in client.get(delete_url(product_id)).content.decode()

    response = client.post(delete_url(product_id), {"expected_version": "1"})

    assert response.status_code == 302
    assert Product.objects.get(pk=product_id).discontinued
    assert last_event(product_id).type == "ProductDeleted"


def test_a_deleted_product_cannot_be_edited_and_says_why():
    product_id = make_product()
    runner.run_all()
    products.delete_product(context=context(), product_id=product_id)
    client = staff_client(*CATALOG)
    response = client.post(stock_url(product_id), {"delta": "1"})
    assert "Product not found." in response.content.decode()
    assert last_event(product_id).type == "ProductDeleted"


def test_the_product_page_offers_only_the_commands_the_user_may_send():
    product_id = make_product()
    runner.run_all()
    viewer = staff_client("queries.view_productview", "commands.adjust_stock", username="viewer")
    page = viewer.get(change_url(product_id)).content.decode()
    assert stock_url(product_id) in page
    assert edit_url(product_id) not in page
    assert delete_url(product_id) not in page
    assert CREATE_URL not in viewer.get(LIST_URL).content.decode()


@pytest.mark.parametrize(
    ("url_of", "data"),
    [
        (lambda product_id: CREATE_URL, {"sku": "NOPE-1", "name": "X", "price": "1.00", "stock": "0"}),
        (edit_url, {"name": "X", "description": "", "price": "1.00", "expected_version": "1"}),
        (delete_url, {"expected_version": "1"}),
    ],
)
def test_without_the_command_permission_the_form_is_forbidden(url_of, data):
    product_id = make_product()
    runner.run_all()
    events_before = Event.objects.count()
    viewer = staff_client("queries.view_productview", "commands.adjust_stock", username="viewer")
    assert viewer.get(url_of(product_id)).status_code == 403
    assert viewer.post(url_of(product_id), data).status_code == 403
    assert Event.objects.count() == events_before


def test_stock_form_needs_adjust_stock_and_the_page_needs_view_permission():
    product_id = make_product()
    runner.run_all()
    editor = staff_client("queries.view_productview", "commands.change_product", username="editor")
    assert editor.post(stock_url(product_id), {"delta": "5"}).status_code == 403
    blind = staff_client("commands.add_product", username="blind")
    assert blind.get(LIST_URL).status_code == 403
    assert blind.get(CREATE_URL).status_code == 403
    assert Product.objects.get(pk=product_id).stock == 10
