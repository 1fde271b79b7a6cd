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
