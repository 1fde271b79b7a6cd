"""/api/v1/schema/ describes every endpoint of docs/api.md; /api/v1/docs/ needs no CDN."""

import re

import pytest
import yaml

from commands.api.specs import COMMANDS

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def schema(api):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


@pytest.mark.parametrize("spec", COMMANDS, ids=lambda spec: spec.name)
def test_every_command_is_described_with_its_errors(schema, spec):
    operation = schema["paths"][f"/api/v1/commands/{spec.name}/"]["post"]
    assert {"202", "400", "401", "403", "409", "413", "415", "422"} <= set(operation["responses"])
    assert "requestBody" in operation
    assert any(parameter["name"] == "Idempotency-Key" for parameter in operation["parameters"])


@pytest.mark.parametrize("resource", ["products", "customers", "orders", "events"])
def test_every_query_is_described(schema, resource):
    listing = schema["paths"][f"/api/v1/{resource}/"]["get"]
    detail_paths = [path for path in schema["paths"] if re.fullmatch(rf"/api/v1/{resource}/\{{\w+\}}/", path)]
    assert detail_paths
    assert any(parameter["name"] == "X-Min-Position" for parameter in listing["parameters"])
    assert "X-Read-Position" in listing["responses"]["200"]["headers"]


def test_product_query_parameters_are_described(schema):
    names = {parameter["name"] for parameter in schema["paths"]["/api/v1/products/"]["get"]["parameters"]}
    assert {"search", "min_price", "max_price", "in_stock", "ordering", "page_size", "cursor"} <= names


def test_docs_are_served_without_a_cdn(api):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)


def test_the_customer_language_is_in_the_schema(schema):
    """Both customer commands take `language`, one of the shop's languages."""
    bodies = schema["components"]["schemas"]
    for name in ("RegisterCustomerInputRequest", "UpdateCustomerDetailsInputRequest"):
        language = bodies[name]["properties"]["language"]
        enum = language.get("enum") or bodies[language["$ref"].rsplit("/", 1)[-1]]["enum"]
        assert set(enum) == {"en", "ru"}
