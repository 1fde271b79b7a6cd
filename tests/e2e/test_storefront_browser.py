"""A new customer's whole journey in a real browser, on the real stack (PostgreSQL, Redis, a celery worker).

sign up → search → add two products → check out → the order page shows the order → cancel → cancelled;
then the same journey's key pages in Russian. Screenshots land in test-artifacts/storefront-*.png.
"""

import uuid

import pytest
from playwright.sync_api import Page, expect

from commands.models import Order, OrderStatus
from queries.models import ProductView
from tests.conftest import wait_until
from tests.e2e.conftest import screenshot
from tests.factories import make_product

pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"), pytest.mark.pipeline, pytest.mark.slow]

PASSWORD = "a-long-and-unusual-secret-42"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WAIT_MS = 20_000


@pytest.fixture
def shelf(celery_worker_process):
    ids = [
        make_product(name="Steel Kettle", price="30.00", stock=10, sku="KET-STEEL"),
        make_product(name="Electric Kettle", price="49.90", stock=10, sku="KET-ELEC"),
        make_product(name="Blue Mug", price="8.50", stock=10, sku="MUG-BLUE"),
    ]
    wait_until(lambda: ProductView.objects.filter(pk__in=ids).count() == len(ids), timeout=30)
    return ids


def sign_up(page: Page, base: str, *, name: str, email: str, labels: dict[str, str], shot: str) -> None:
    page.goto(f"{base}/account/signup/")
    screenshot(page, f"{shot}-signup")
    page.get_by_label(labels["name"]).fill(name)
    page.get_by_label(labels["email"]).fill(email)
    page.get_by_label(labels["password"], exact=True).fill(PASSWORD)
    page.get_by_label(labels["confirm"]).fill(PASSWORD)
    page.get_by_role("button", name=labels["signup"]).last.click()
    # The account page waits for the sign-up to be projected (or says "processing" and refreshes itself).
    expect(page.get_by_test_id("account-name")).to_have_text(name, timeout=WAIT_MS)
    screenshot(page, f"{shot}-account")


def search_and_add_both_kettles(page: Page, base: str, *, labels: dict[str, str], shot: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("search").get_by_label(labels["search"], exact=True).fill("kettle")
    page.get_by_role("search").get_by_role("button", name=labels["search"], exact=True).click()
    results = page.locator(".product-card")
    expect(results).to_have_count(2)
    expect(page.locator(".product-name")).to_have_text(["Electric Kettle", "Steel Kettle"])
    screenshot(page, f"{shot}-search")
    for name in ("Steel Kettle", "Electric Kettle"):
        page.get_by_role("button", name=f"{labels['add']}: {name}").click()
        expect(page.locator(".message-success")).to_contain_text(name)
    expect(page.get_by_test_id("cart-link")).to_contain_text("2")


def check_out(page: Page, *, labels: dict[str, str], shot: str) -> uuid.UUID:
    page.get_by_test_id("cart-link").click()
    expect(page.get_by_test_id("cart-total")).to_have_text(labels["total"])
    screenshot(page, f"{shot}-cart")
    for field, value in {"line1": "Hauptstr. 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}.items():
        page.locator(f"#id_delivery-{field}").fill(value)
    page.get_by_role("button", name=labels["place"]).click()
    expect(page.get_by_test_id("order-status")).to_have_text(labels["pending"], timeout=WAIT_MS)
    expect(page.get_by_test_id("delivery-address")).to_contain_text("10115 Berlin")
    expect(page.get_by_test_id("order-total")).to_have_text(labels["total"])
    expect(page.get_by_role("main")).to_contain_text("Steel Kettle")
    expect(page.get_by_role("main")).to_contain_text("Electric Kettle")
    screenshot(page, f"{shot}-order")
    return uuid.UUID(page.url.split("/orders/")[1].split("/")[0])


def cancel(page: Page, order_id: uuid.UUID, *, labels: dict[str, str], shot: str) -> None:
    page.get_by_role("button", name=labels["cancel"]).click()
    expect(page.get_by_test_id("order-status")).to_have_text(labels["cancelled"], timeout=WAIT_MS)
    expect(page.get_by_role("button", name=labels["cancel"])).to_have_count(0)
    screenshot(page, f"{shot}-cancelled")
    assert Order.objects.get(pk=order_id).status == OrderStatus.CANCELLED


ENGLISH = {
    "name": "Full name",
    "email": "Email",
    "password": "Password",
    "confirm": "Password confirmation",
    "signup": "Sign up",
    "search": "Search",
    "add": "Add to cart",
    "total": "79.90 EUR",
    "place": "Place order",
    "pending": "Pending",
    "cancel": "Cancel this order",
    "cancelled": "Cancelled",
}
RUSSIAN = {
    "name": "Имя и фамилия",
    "email": "Эл. почта",
    "password": "Пароль",
    "confirm": "Пароль ещё раз",
    "signup": "Регистрация",
    "search": "Поиск",
    "add": "В корзину",  # noqa: RUF001 (Russian, not a look-alike)
    "total": "79,90 EUR",
    "place": "Оформить заказ",
    "pending": "Ожидает оплаты",
    "cancel": "Отменить заказ",
    "cancelled": "Отменён",
}


def test_a_new_customer_shops_in_english(page: Page, live_server, shelf):
    base = live_server.url
    page.goto(f"{base}/")
    expect(page).to_have_title("Catalog · CQRS Shop")
    page.keyboard.press("Tab")  # keyboard users first meet the skip link
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    screenshot(page, "storefront-en-catalog")
    page.get_by_role("link", name="Steel Kettle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Steel Kettle")
    screenshot(page, "storefront-en-product")

    sign_up(page, base, name="Erika Example", email="Erika@Example.com", labels=ENGLISH, shot="storefront-en")
    search_and_add_both_kettles(page, base, labels=ENGLISH, shot="storefront-en")
    order_id = check_out(page, labels=ENGLISH, shot="storefront-en")

    page.get_by_role("link", name="My orders").first.click()
    expect(page.get_by_role("link", name=f"#{str(order_id)[:8]}")).to_be_visible()
    screenshot(page, "storefront-en-orders")
    page.get_by_role("link", name=f"#{str(order_id)[:8]}").click()
    cancel(page, order_id, labels=ENGLISH, shot="storefront-en")

    page.goto(f"{base}/no-such-page/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    screenshot(page, "storefront-en-404")

    page.set_viewport_size(PHONE)
    for path, name in ((f"/orders/{order_id}/", "order"), ("/", "catalog")):
        page.goto(f"{base}{path}")
        screenshot(page, f"storefront-phone-{name}")
    # Nothing sticks out sideways at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)


def test_a_new_customer_shops_in_russian(page: Page, live_server, shelf):
    base = live_server.url
    page.goto(f"{base}/")
    page.get_by_label("Language").select_option("ru")
    page.get_by_role("button", name="Change").click()
    expect(page).to_have_title("Каталог · CQRS Магазин")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    screenshot(page, "storefront-ru-catalog")

    sign_up(page, base, name="Иван Петров", email="ivan@example.com", labels=RUSSIAN, shot="storefront-ru")
    search_and_add_both_kettles(page, base, labels=RUSSIAN, shot="storefront-ru")
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/cart/")
    screenshot(page, "storefront-phone-ru-cart")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)
    order_id = check_out(page, labels=RUSSIAN, shot="storefront-ru")
    expect(page.locator(".message-success")).to_have_text("Спасибо! Ваш заказ оформлен.")
    cancel(page, order_id, labels=RUSSIAN, shot="storefront-ru")
    expect(page.locator(".message-success")).to_have_text("Ваш заказ отменён.")

    page.set_viewport_size(PHONE)
    page.goto(f"{base}/orders/")
    screenshot(page, "storefront-phone-ru-orders")
