"""GET /api/v1/products/: filters, search, ordering, pagination, consistency headers."""

from decimal import Decimal

import pytest

from commands.handlers import products
from projections import progress, runner
from tests.factories import context, make_product

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def catalog() -> dict[str, object]:
    ids = {
        "kettle": make_product(name="Steel kettle", price="25.00", stock=3, sku="KET-1"),
        "teapot": make_product(name="Clay teapot", price="40.00", stock=0, sku="TEA-1"),
        "mug": make_product(name="Enamel mug", price="8.50", stock=50, sku="MUG-1"),
    }
    runner.run_all()
    return ids


def skus(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["sku"] for item in response.json()["results"]]


def test_list_shows_every_contract_field(api, catalog):
    item = api.get(f"/api/v1/products/{catalog['kettle']}/").json()
    fields = "id sku name description price currency stock in_stock units_sold created_at updated_at version"
    assert set(fields.split()) <= set(item)
    assert item["price"] == "25.00"
    assert item["currency"] == "EUR"
    assert item["in_stock"] is True
    assert item["version"] == 1
    assert item["created_at"].endswith("+00:00")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ordering=price", ["MUG-1", "KET-1", "TEA-1"]),
        ("ordering=-price", ["TEA-1", "KET-1", "MUG-1"]),
        ("ordering=name", ["TEA-1", "MUG-1", "KET-1"]),
        ("min_price=10&ordering=price", ["KET-1", "TEA-1"]),
        ("max_price=25&ordering=price", ["MUG-1", "KET-1"]),
        ("in_stock=true&ordering=price", ["MUG-1", "KET-1"]),
        ("in_stock=false", ["TEA-1"]),
        ("search=kettle", ["KET-1"]),
        ("search=TEA-1", ["TEA-1"]),
        ("search=enamel mug", ["MUG-1"]),
    ],
)
def test_filters_search_and_ordering(api, catalog, query, expected):
    assert skus(api.get(f"/api/v1/products/?{query}")) == expected


@pytest.mark.parametrize(
    "query", ["ordering=stock", "min_price=cheap", "in_stock=maybe", "page_size=abc", "cursor=%%%"]
)
def test_bad_parameters_are_json_errors_never_500(api, catalog, query):
    response = api.get(f"/api/v1/products/?{query}")
    assert response.status_code in (200, 400, 404)
    assert response["Content-Type"].startswith("application/json")


def test_pagination_walks_every_product_once(api, db):
    for index in range(25):
        make_product(name=f"Item {index:02d}", price=f"{index + 1}.00")
    runner.run_all()
    seen = []
    url = "/api/v1/products/?page_size=10&ordering=price"
    while url:
        body = api.get(url).json()
        assert len(body["results"]) <= 10
        seen += [item["price"] for item in body["results"]]
        url = body["next"]
    assert seen == [f"{index + 1}.00" for index in range(25)]


def test_page_size_is_capped_at_100(api, db):
    for _ in range(3):
        make_product()
    runner.run_all()
    assert len(api.get("/api/v1/products/?page_size=1000").json()["results"]) == 3


def test_deleted_product_disappears(api, catalog):
    products.delete_product(context=context(), product_id=catalog["mug"])
    runner.run_all()
    assert api.get(f"/api/v1/products/{catalog['mug']}/").status_code == 404
    assert "MUG-1" not in skus(api.get("/api/v1/products/"))


def test_read_position_header_names_what_was_served(api, catalog):
    response = api.get("/api/v1/products/")
    head = progress.head_position()
    assert int(response["X-Read-Position"]) == head
    product_id = make_product(price="1.00")
    # Not projected yet: the header still says the old position and the product is not served.
    response = api.get("/api/v1/products/")
    assert int(response["X-Read-Position"]) == head
    assert str(product_id) not in {item["id"] for item in response.json()["results"]}


def test_min_position_not_reached_answers_503_with_retry_after(api, catalog, settings):
    settings.READ_POSITION_WAIT_SECONDS = 0.2
    make_product()
    wanted = progress.head_position()
    response = api.get("/api/v1/products/", HTTP_X_MIN_POSITION=str(wanted))
    assert response.status_code == 503
    assert response["Retry-After"]
    assert response.json()["read_position"] == wanted - 1


def test_min_position_reached_serves(api, catalog):
    response = api.get("/api/v1/products/", HTTP_X_MIN_POSITION=str(progress.head_position()))
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["abc", "-1", "1.5"])
def test_min_position_must_be_a_number(api, catalog, value):
    response = api.get("/api/v1/products/", HTTP_X_MIN_POSITION=value)
    assert response.status_code == 400
    assert "X-Min-Position" in response.json()


def test_price_update_reaches_the_read_model(api, catalog):
    products.update_product(context=context(), product_id=catalog["kettle"], price=Decimal("27.50"))
    runner.run_all()
    item = api.get(f"/api/v1/products/{catalog['kettle']}/").json()
    assert (item["price"], item["version"]) == ("27.50", 2)
