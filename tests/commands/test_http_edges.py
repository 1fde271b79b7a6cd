"""HTTP around the commands: size and media type limits, methods, unknown URLs; always JSON, never a 500."""

import pytest

from tests.commands.command_api import UNKNOWN, post_command, write_state

pytestmark = pytest.mark.django_db(databases="__all__")


def test_413_body_over_one_mebibyte(staff_api, world):
    before = write_state()
    body = {"sku": "BIG-1", "name": "Big", "price": "1.00", "description": "x" * (1024 * 1024)}
    response = post_command(staff_api, "create-product", body)
    assert response.status_code == 413
    assert "detail" in response.json()
    assert write_state() == before


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_415_when_the_body_is_not_json(staff_api, world, content_type):
    before = write_state()
    response = staff_api.generic(
        "POST", "/api/v1/commands/create-product/", "sku=X-1&name=P&price=1.00", content_type=content_type
    )
    assert response.status_code == 415, response.content
    assert "detail" in response.json()
    assert write_state() == before


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_other_methods_on_a_command_are_405_json(staff_api, method):
    response = getattr(staff_api, method)("/api/v1/commands/create-order/")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


UNKNOWN_URLS = ["/api/v1/commands/no-such-command/", "/api/v1/nothing-here/", "/api/v2/", "/api/v1/commands/"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", path) for path in [*UNKNOWN_URLS, "/api/v1/products/not-a-uuid/", f"/api/v1/orders/{UNKNOWN}/"]]
    + [("post", path) for path in UNKNOWN_URLS],
)
def test_unknown_api_urls_answer_404_json(staff_api, method, path):
    response = getattr(staff_api, method)(path, {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.parametrize("path", ["/api/v1/products/", f"/api/v1/products/{UNKNOWN}/", "/api/v1/events/"])
def test_writing_to_a_query_resource_is_405_json(staff_api, path):
    response = staff_api.post(path, {"name": "x"}, format="json")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"


def test_a_command_without_its_trailing_slash_is_served_not_redirected(staff_api):
    response = staff_api.post(
        "/api/v1/commands/create-product", {"sku": "X-1", "name": "P", "price": "1.00"}, format="json"
    )
    assert response.status_code == 202, response.content
    assert response.json()["command"] == "create-product"


def test_a_command_answers_json_even_when_html_is_asked_for(staff_api):
    body = {"sku": "X-1", "name": "P", "price": "1.00"}
    response = post_command(staff_api, "create-product", body, HTTP_ACCEPT="text/html")
    assert response.status_code == 202
    assert response["Content-Type"] == "application/json"


def test_a_garbled_content_length_is_a_400_not_a_500(staff_api, world):
    before = write_state()
    body = {"sku": "X-1", "name": "P", "price": "1.00"}
    response = post_command(staff_api, "create-product", body, CONTENT_LENGTH="lots")
    assert response.status_code == 400
    assert write_state() == before
