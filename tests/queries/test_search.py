"""Search on PostgreSQL: indexed (GIN over the same expression the query uses), ranked, substring matches kept."""

from decimal import Decimal

import pytest
from django.db import connections

from commands.handlers import products
from projections import runner
from queries.api.filters import ProductFilter
from queries.models import ProductView
from tests.factories import context, make_customer, make_product

pytestmark = pytest.mark.django_db(databases="__all__")


def skus(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["sku"] for item in response.json()["results"]]


def test_a_search_lists_the_best_match_first(api):
    make_product(sku="KET-1", name="Steel kettle", price="30.00")
    products.create_product(
        context=context(),
        sku="TAB-1",
        name="Descaler tablets",
        description="Keeps a kettle clean.",
        price=Decimal("3.00"),
        stock=1,
    )
    runner.run_all()

    assert skus(api.get("/api/v1/products/?search=kettle")) == ["KET-1", "TAB-1"]  # the name weighs more
    assert skus(api.get("/api/v1/products/?search=kettle&ordering=price")) == ["TAB-1", "KET-1"]  # asked for


def test_ranked_pages_walk_every_match_once(api):
    for number in range(7):
        make_product(sku=f"MUG-{number}", name="Mug " * (number % 3 + 1), price=f"{number + 1}.00")
    make_product(sku="PLATE-1", name="Plate")
    runner.run_all()
    seen, url = [], "/api/v1/products/?search=mug&page_size=2"
    while url:
        body = api.get(url).json()
        seen += [item["sku"] for item in body["results"]]
        url = body["next"]
    assert sorted(seen) == [f"MUG-{number}" for number in range(7)]
    assert seen[:2] == ["MUG-5", "MUG-2"]  # "Mug Mug Mug" ranks highest; the newer one first


def test_a_sku_fragment_still_matches_inside_the_sku(api):
    make_product(sku="KET-100", name="Steel kettle")
    make_product(sku="MUG-200", name="Enamel mug")
    runner.run_all()
    assert skus(api.get("/api/v1/products/?search=ET-10")) == ["KET-100"]


def test_customer_search_ranks_a_name_match_above_an_email_match(staff_api):
    make_customer(name="Someone Else", email="bob.smith@example.com")
    make_customer(name="Bob Stone", email="stone@example.com")
    runner.run_all()
    names = [customer["name"] for customer in staff_api.get("/api/v1/customers/?search=bob").json()["results"]]
    assert names[0] == "Bob Stone"


def test_the_search_uses_both_gin_indexes():
    make_product(sku="KET-1", name="Steel kettle")
    runner.run_all()
    queryset = ProductFilter(data={"search": "steel kettle"}, queryset=ProductView.objects.all()).qs
    sql, params = queryset.query.sql_with_params()
    with connections["read"].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "product_search" in plan and "product_sku_trgm" in plan, plan
