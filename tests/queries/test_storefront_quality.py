"""Shop-quality checks across pages: a label for every input, CSRF on every form, titles, the read side only."""

from html.parser import HTMLParser

import pytest
from django.test import RequestFactory

from config.api_errors import server_error
from tests.factories import make_product, place_order
from tests.queries.storefront_pages import make_shopper, project

pytestmark = pytest.mark.django_db(databases="__all__")


class FormAudit(HTMLParser):
    """Collects what an accessibility and CSRF review of a page looks at."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.post_forms = 0
        self.csrf_tokens = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "label" and attributes.get("for"):
            self.labels.add(str(attributes["for"]))
        if tag in {"input", "select", "textarea"}:
            if attributes.get("name") == "csrfmiddlewaretoken":
                self.csrf_tokens += 1
            elif attributes.get("type") not in {"hidden", "submit"}:
                self.controls.append(attributes)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self.post_forms += 1
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


def audit(html: str) -> FormAudit:
    parser = FormAudit()
    parser.feed(html)
    return parser


@pytest.fixture
def shop():
    kettle = make_product(name="Steel Kettle", price="30.00", stock=5)
    shopper = make_shopper()
    order_id = place_order(shopper.customer_id, (kettle, 1)).aggregate_id
    project()
    shopper.client.post(f"/cart/{kettle}/add/", {"quantity": 1})
    return {"shopper": shopper, "kettle": kettle, "order": order_id}


def page_urls(shop) -> list[str]:
    return [
        "/",
        f"/products/{shop['kettle']}/",
        "/cart/",
        "/account/",
        "/account/password/",
        "/orders/",
        f"/orders/{shop['order']}/",
    ]


def test_every_input_has_a_label_every_post_form_a_csrf_token_and_every_page_a_title(client, shop):
    pages = [(url, shop["shopper"].client) for url in page_urls(shop)]
    pages += [("/account/signup/", client), ("/account/login/", client), ("/nowhere/", client)]
    pages += [("/account/password/reset/", client), ("/account/password/reset/sent/", client)]
    for url, visitor in pages:
        response = visitor.get(url)
        assert response.status_code in {200, 404}, url
        page = audit(response.content.decode())
        assert page.title.endswith(" · CQRS Shop") and len(page.title) > len(" · CQRS Shop"), url
        for control in page.controls:
            assert control.get("id") in page.labels or control.get("aria-label"), (url, control)
        assert page.post_forms >= 1, url  # the language switcher at least
        assert page.csrf_tokens == page.post_forms, url


def test_logged_in_pages_read_only_the_read_side(shop, block_write_db):
    for url in page_urls(shop):
        assert shop["shopper"].client.get(url).status_code == 200, url
    assert block_write_db == []


def test_the_500_page_is_styled_without_a_request_context():
    response = server_error(RequestFactory().get("/orders/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html and "css/shop.css" in html and "<title>" in html
