"""404, 409 and 422: the target is gone, the version moved on, or a business rule says no; nothing is written."""

import pytest

from tests.commands.command_api import UNKNOWN, line, make_shopper, post_command, write_state

pytestmark = pytest.mark.django_db(databases="__all__")


NOT_FOUND = [
    ("update-customer-details", lambda w: {"customer_id": UNKNOWN, "name": "B"}),
    ("update-product", lambda w: {"product_id": UNKNOWN, "name": "B"}),
    ("update-product", lambda w: {"product_id": w.deleted, "name": "B"}),
    ("delete-product", lambda w: {"product_id": w.deleted}),
    ("delete-product", lambda w: {"product_id": UNKNOWN}),
    ("adjust-stock", lambda w: {"product_id": w.deleted, "delta": 1}),
    ("adjust-stock", lambda w: {"product_id": UNKNOWN, "delta": 1}),
    ("pay-order", lambda w: {"order_id": UNKNOWN}),
    ("ship-order", lambda w: {"order_id": UNKNOWN}),
    ("cancel-order", lambda w: {"order_id": UNKNOWN}),
]


@pytest.mark.parametrize(("command", "body"), NOT_FOUND, ids=[case[0] for case in NOT_FOUND])
def test_404_when_the_target_is_missing_or_deleted(staff_api, world, command, body):
    before = write_state()
    response = post_command(staff_api, command, body(world))
    assert response.status_code == 404, response.content
    assert set(response.json()) == {"detail"}
    assert write_state() == before


VERSION_CONFLICTS = [
    ("update-customer-details", lambda w: {"customer_id": w.customer, "name": "B"}, 1),
    ("update-product", lambda w: {"product_id": w.kettle, "name": "B"}, 1),
    ("delete-product", lambda w: {"product_id": w.kettle}, 1),
    ("adjust-stock", lambda w: {"product_id": w.kettle, "delta": 1}, 1),
    ("pay-order", lambda w: {"order_id": w.order["pending"]}, 1),
    ("ship-order", lambda w: {"order_id": w.order["paid"]}, 2),
    ("cancel-order", lambda w: {"order_id": w.order["paid"]}, 2),
]


@pytest.mark.parametrize(
    ("command", "body", "current_version"), VERSION_CONFLICTS, ids=[case[0] for case in VERSION_CONFLICTS]
)
def test_409_version_conflict_reports_the_current_version(staff_api, world, command, body, current_version):
    before = write_state()
    response = post_command(staff_api, command, {**body(world), "expected_version": current_version + 1})
    assert response.status_code == 409, response.content
    conflict = response.json()
    assert set(conflict) == {"code", "detail", "current_version"}
    assert (conflict["code"], conflict["current_version"]) == ("version_conflict", current_version)
    assert write_state() == before


REJECTIONS = [
    ("register-customer", lambda w: {"email": "TAKEN@example.com", "name": "Twin"}, "email_taken"),
    (
        "register-customer",
        lambda w: {"email": "staff@example.com", "name": "S", "password": "x-Pass-9876"},
        "email_taken",
    ),
    ("update-customer-details", lambda w: {"customer_id": w.other, "email": "Taken@Example.COM"}, "email_taken"),
    ("create-product", lambda w: {"sku": "TAKEN-1", "name": "Twin", "price": "1.00"}, "sku_taken"),
    ("adjust-stock", lambda w: {"product_id": w.kettle, "delta": -3}, "insufficient_stock"),
    ("create-order", lambda w: {"customer_id": w.customer, "lines": [line(w.kettle, 3)]}, "insufficient_stock"),
    (
        "create-order",
        lambda w: {"customer_id": w.customer, "lines": [line(w.mug, 1), line(w.kettle, 3)]},
        "insufficient_stock",
    ),
    (
        "create-order",
        lambda w: {"customer_id": w.customer, "lines": [line(w.mug, 1), line(w.deleted, 1)]},
        "product_unavailable",
    ),
    ("pay-order", lambda w: {"order_id": w.order["paid"]}, "invalid_state"),
    ("pay-order", lambda w: {"order_id": w.order["shipped"]}, "invalid_state"),
    ("pay-order", lambda w: {"order_id": w.order["cancelled"]}, "invalid_state"),
    ("pay-order", lambda w: {"order_id": w.order["pending"], "amount": "9.99"}, "amount_mismatch"),
    ("ship-order", lambda w: {"order_id": w.order["pending"]}, "invalid_state"),
    ("ship-order", lambda w: {"order_id": w.order["shipped"]}, "invalid_state"),
    ("ship-order", lambda w: {"order_id": w.order["cancelled"]}, "invalid_state"),
    ("cancel-order", lambda w: {"order_id": w.order["shipped"]}, "invalid_state"),
    ("cancel-order", lambda w: {"order_id": w.order["cancelled"]}, "invalid_state"),
]


@pytest.mark.parametrize(("command", "body", "code"), REJECTIONS, ids=[f"{case[0]}:{case[2]}" for case in REJECTIONS])
def test_422_business_rule_refusals_write_nothing(staff_api, world, command, body, code):
    before = write_state()
    response = post_command(staff_api, command, body(world))
    assert response.status_code == 422, response.content
    rejection = response.json()
    assert set(rejection) == {"code", "detail"}
    assert rejection["code"] == code
    assert write_state() == before


def test_customer_changing_their_email_to_a_taken_one_is_refused(world):
    shopper = make_shopper()
    before = write_state()
    body = {"customer_id": str(shopper.customer_id), "email": "taken@EXAMPLE.com"}
    response = post_command(shopper.client, "update-customer-details", body)
    assert (response.status_code, response.json()["code"]) == (422, "email_taken")
    assert write_state() == before
