"""Through the real stack: HTTP command → write DB → Redis wake-up → celery worker → read DB → query API."""

import pytest

from tests.conftest import wait_until

pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"), pytest.mark.pipeline]


def test_a_command_through_http_becomes_visible_through_the_query_api(celery_worker_process, staff_api):
    response = staff_api.post(
        "/api/v1/commands/create-product/", {"sku": "E2E-1", "name": "Kettle", "price": "20.00"}, format="json"
    )
    assert response.status_code == 202
    product_id = response.json()["aggregate_id"]

    def visible():
        return staff_api.get(f"/api/v1/products/{product_id}/").status_code == 200

    wait_until(visible, timeout=30)
    assert staff_api.get(f"/api/v1/products/{product_id}/").json()["name"] == "Kettle"


def command(client, name: str, body: dict) -> dict:
    response = client.post(f"/api/v1/commands/{name}/", body, format="json")
    assert response.status_code == 202, response.content
    return response.json()


def test_an_order_lifecycle_reaches_every_read_model(celery_worker_process, staff_api):
    product = command(
        staff_api, "create-product", {"sku": "E2E-KETTLE", "name": "Kettle", "price": "20.00", "stock": 5}
    )
    customer = command(staff_api, "register-customer", {"email": "e2e@example.com", "name": "Eve"})
    order = command(
        staff_api,
        "create-order",
        {"customer_id": customer["aggregate_id"], "lines": [{"product_id": product["aggregate_id"], "quantity": 2}]},
    )
    command(staff_api, "pay-order", {"order_id": order["aggregate_id"], "amount": "40.00"})
    command(staff_api, "ship-order", {"order_id": order["aggregate_id"], "tracking_number": "E2E-TRACK"})
    last = command(staff_api, "update-customer-details", {"customer_id": customer["aggregate_id"], "name": "Eve A."})

    def read(path: str) -> dict | None:
        # X-Min-Position: served only once the worker has projected our last command (else 503: poll again).
        response = staff_api.get(path, HTTP_X_MIN_POSITION=str(last["position"]))
        return response.json() if response.status_code == 200 else None

    order_document = wait_until(lambda: read(f"/api/v1/orders/{order['aggregate_id']}/"), timeout=30)
    assert order_document["status"] == "shipped"
    assert order_document["customer"] == {"id": customer["aggregate_id"], "name": "Eve A.", "email": "e2e@example.com"}
    assert order_document["total"] == "40.00"
    assert order_document["version"] == 3
    kettle = read(f"/api/v1/products/{product['aggregate_id']}/")
    assert (kettle["stock"], kettle["units_sold"]) == (3, 2)
    eve = read(f"/api/v1/customers/{customer['aggregate_id']}/")
    assert (eve["orders_count"], eve["total_spent"]) == (1, "40.00")
    feed = read(f"/api/v1/events/?aggregate_id={order['aggregate_id']}")["results"]
    assert [event["type"] for event in feed] == ["OrderPlaced", "OrderPaid", "OrderShipped"]
