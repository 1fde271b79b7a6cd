"""A new customer's whole journey in a real browser, on the real stack (PostgreSQL, Redis, a celery worker).

sign up → search → add two products → check out with a delivery address → pay later → the order page shows
the order → cancel → cancelled; then the same journey's key pages in Russian; and a customer who pays: a declined
card, then an accepted one → the order page shows "Paid" and the address, in English and in Russian, after
logging out and in again with the cart kept; the confirmation email reaches the worker's file outbox in that language.
Screenshots land in test-artifacts/storefront-*.png.
"""

import uuid

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from commands.models import Order, OrderStatus, PaymentAttempt
from queries.models import ProductView
from tests.conftest import wait_until
from tests.e2e.conftest import screenshot
from tests.factories import make_product
from tests.projections.mailbox import messages_in

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


def check_out(page: Page, *, labels: dict[str, str], shot: str, pay_later: bool = True) -> uuid.UUID:
    """Place the cart's order (to a delivery address typed in); it lands on the pay page."""
    page.get_by_test_id("cart-link").click()
    expect(page.get_by_test_id("cart-total")).to_have_text(labels["total"])
    screenshot(page, f"{shot}-cart")
    for field, value in {"line1": "Hauptstr. 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}.items():
        page.locator(f"#id_delivery-{field}").fill(value)
    page.get_by_role("button", name=labels["place"]).click()
    expect(page.get_by_test_id("pay-total")).to_have_text(labels["total"], timeout=WAIT_MS)
    expect(page.locator(".message-success")).to_have_text(labels["placed"])
    screenshot(page, f"{shot}-pay")
    order_id = uuid.UUID(page.url.split("/orders/")[1].split("/")[0])
    if pay_later:
        page.get_by_role("link", name=labels["pay_later"]).click()
        expect(page.get_by_test_id("order-status")).to_have_text(labels["pending"], timeout=WAIT_MS)
        expect(page.get_by_test_id("order-total")).to_have_text(labels["total"])
        expect(page.get_by_test_id("delivery-address")).to_contain_text("10115 Berlin")
        expect(page.get_by_role("main")).to_contain_text("Steel Kettle")
        expect(page.get_by_role("main")).to_contain_text("Electric Kettle")
        screenshot(page, f"{shot}-order")
    return order_id


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
    "placed": "Thank you! Your order has been placed.",
    "pay_later": "Pay later",
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
    "placed": "Спасибо! Ваш заказ оформлен.",
    "pay_later": "Оплатить позже",
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
    cancel(page, order_id, labels=RUSSIAN, shot="storefront-ru")
    expect(page.locator(".message-success")).to_have_text("Ваш заказ отменён.")

    page.set_viewport_size(PHONE)
    page.goto(f"{base}/orders/")
    screenshot(page, "storefront-phone-ru-orders")


@pytest.fixture
def mail_dir(tmp_path, monkeypatch):
    """The worker (started after this fixture) writes its emails here, one file per message."""
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    monkeypatch.setenv("EMAIL_FILE_PATH", str(tmp_path))
    return tmp_path


def in_language(language: str, *texts: str) -> dict[str, str]:
    """The storefront's own words for `texts` in `language`, from the compiled catalogue."""
    with translation.override(language):
        return {text: translation.gettext(text) for text in texts}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_sign_up_log_out_and_in_with_the_cart_kept_then_a_declined_and_an_accepted_card(
    page: Page, live_server, mail_dir, shelf, language
):
    base, labels = live_server.url, ENGLISH if language == "en" else RUSSIAN
    words = in_language(language, "Log out", "Log in", "Email", "Password", "Card number", "Pay now", "Try again")
    words |= in_language(language, "Paid", "Your order is confirmed")
    page.goto(f"{base}/")
    if language == "ru":
        page.get_by_label("Language").select_option("ru")
        page.get_by_role("button", name="Change").click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")
    email = f"paula-{language}@example.com"
    sign_up(page, base, name="Paula Payer", email=email, labels=labels, shot=f"storefront-pay-{language}")
    search_and_add_both_kettles(page, base, labels=labels, shot=f"storefront-pay-{language}")

    page.get_by_role("button", name=words["Log out"]).click()
    page.get_by_role("link", name=words["Log in"], exact=True).click()
    page.get_by_label(words["Email"]).fill(email)
    page.get_by_label(words["Password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words["Log in"]).last.click()
    page.goto(f"{base}/cart/")
    expect(page.get_by_test_id("cart-total")).to_have_text(labels["total"])  # the cart survived the log-out
    order_id = check_out(page, labels=labels, shot=f"storefront-pay-{language}", pay_later=False)

    page.get_by_label(words["Card number"]).fill("4000 0000 0000 0002")
    page.get_by_role("button", name=words["Pay now"]).click()
    expect(page.get_by_test_id("payment-failure")).to_be_visible()
    screenshot(page, f"storefront-pay-{language}-declined")
    assert Order.objects.get(pk=order_id).status == OrderStatus.PENDING

    page.get_by_label(words["Card number"]).fill("4242 4242 4242 4242")
    page.get_by_role("button", name=words["Try again"]).click()
    expect(page.get_by_test_id("order-status")).to_have_text(words["Paid"], timeout=WAIT_MS)
    expect(page.get_by_test_id("delivery-address")).to_contain_text("Hauptstr. 1")
    expect(page.get_by_test_id("delivery-address")).to_contain_text("10115 Berlin")
    expect(page.get_by_role("link", name=words["Pay now"])).to_have_count(0)
    screenshot(page, f"storefront-pay-{language}-paid")
    assert Order.objects.get(pk=order_id).status == OrderStatus.PAID
    assert PaymentAttempt.objects.filter(order_id=order_id).count() == 2

    # The worker's reactor sent the confirmation, once, in the customer's language.
    confirmations = wait_until(lambda: [m for m in messages_in(mail_dir) if str(m["To"]) == email], timeout=60)
    assert len(confirmations) == 1
    assert str(confirmations[0]["Subject"]) == words["Your order is confirmed"]
    assert str(confirmations[0]["Content-Language"]) == language
