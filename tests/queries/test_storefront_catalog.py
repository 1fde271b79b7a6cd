"""Catalog pages: search, filters, sorting, pagination, product page, read-your-writes, languages."""

import pytest
from django.test import Client

from commands.handlers import products
from queries.storefront.selectors import PRODUCTS_PER_PAGE
from tests.factories import context, make_product
from tests.queries.storefront_pages import project

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def shelf():
    ids = {
        "kettle": make_product(name="Steel Kettle", price="30.00", stock=5, sku="KET-1"),
        "mug": make_product(name="Blue Mug", price="8.50", stock=0, sku="MUG-1"),
        "teapot": make_product(name="Glass Teapot", price="45.00", stock=2, sku="TEA-1"),
        "gone": make_product(name="Old Kettle", price="5.00", stock=3, sku="OLD-1"),
    }
    products.delete_product(context=context(), product_id=ids["gone"])
    project()
    return ids


def names(response) -> list[str]:
    return [product.name for product in response.context["page"].object_list]


def test_home_lists_live_products_for_anyone(client, shelf):
    response = client.get("/")
    assert response.status_code == 200
    assert names(response) == ["Blue Mug", "Glass Teapot", "Steel Kettle"]  # by name; the deleted one is gone
    html = response.content.decode()
    assert "<title>Catalog · CQRS Shop</title>" in html
    assert 'for="id_q"' in html and 'name="csrfmiddlewaretoken"' in html
    assert "Out of stock" in html  # the mug has no add button, just the notice
    assert html.count('aria-label="Add to cart: ') == 2


def test_full_text_search(client, shelf):
    assert names(client.get("/", {"q": "kettle"})) == ["Steel Kettle"]
    assert names(client.get("/", {"q": "glass teapot"})) == ["Glass Teapot"]
    assert names(client.get("/", {"q": "nothing-like-this"})) == []
    assert "No products match your search" in client.get("/", {"q": "nothing-like-this"}).content.decode()


def test_price_and_stock_filters_and_sorting(client, shelf):
    assert names(client.get("/", {"min_price": "10", "max_price": "40"})) == ["Steel Kettle"]
    assert names(client.get("/", {"in_stock": "on"})) == ["Glass Teapot", "Steel Kettle"]
    assert names(client.get("/", {"sort": "-price"})) == ["Glass Teapot", "Steel Kettle", "Blue Mug"]
    assert names(client.get("/", {"sort": "price"})) == ["Blue Mug", "Steel Kettle", "Glass Teapot"]


def test_bad_filter_values_show_errors_and_do_not_break_the_page(client, shelf):
    response = client.get("/", {"min_price": "cheap", "sort": "sideways"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"min_price", "sort"}
    assert names(response) == ["Blue Mug", "Glass Teapot", "Steel Kettle"]


def test_pagination_keeps_the_filters(client):
    for n in range(PRODUCTS_PER_PAGE + 3):
        make_product(name=f"Widget {n:02}", price="1.00", stock=1)
    project()
    first = client.get("/", {"q": "widget"})
    second = client.get("/", {"q": "widget", "page": 2})
    assert len(names(first)) == PRODUCTS_PER_PAGE and len(names(second)) == 3
    assert not set(names(first)) & set(names(second))
    assert 'href="?q=widget&amp;page=2"' in first.content.decode()


def test_product_page(client, shelf):
    response = client.get(f"/products/{shelf['kettle']}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Steel Kettle · CQRS Shop</title>" in html
    assert "30.00 EUR" in html and 'name="quantity"' in html and 'for="id_quantity"' in html


def test_deleted_and_unknown_products_are_a_styled_404(client, shelf):
    for url in (f"/products/{shelf['gone']}/", "/products/00000000-0000-0000-0000-000000000000/", "/no-such-page/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()
        assert "css/shop.css" in response.content.decode()


def test_processing_page_until_the_catalog_has_caught_up(client, settings):
    settings.STOREFRONT_WAIT_SECONDS = 0
    product_id = make_product(name="Fresh Bread")
    position = products.adjust_stock(context=context(), product_id=product_id, delta=1).position
    waiting = client.get(f"/products/{product_id}/", {"after": position})
    assert waiting.status_code == 202
    assert '<meta http-equiv="refresh" content="1">' in waiting.content.decode()
    project()
    ready = client.get(f"/products/{product_id}/", {"after": position})
    assert ready.status_code == 200 and "Fresh Bread" in ready.content.decode()


def test_pages_in_russian():
    client = Client(headers={"accept-language": "ru"})
    response = client.get("/")
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "Каталог" in html and "Корзина" in html and "Войти" in html


def test_language_switcher_sets_the_language(client):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/cart/"})
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert "Ваша корзина" in client.get("/cart/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Your cart" in client.get("/cart/").content.decode()
