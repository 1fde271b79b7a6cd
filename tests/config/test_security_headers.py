"""One Content-Security-Policy on the storefront, the admin and the API docs; scripts only from our own origin."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db(databases="__all__")


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


@pytest.fixture
def admin_client_() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password=None))
    return client


@pytest.mark.parametrize("path", ["/", "/account/login/", "/admin/login/", "/api/v1/docs/", "/api/v1/products/"])
def test_every_kind_of_page_carries_the_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def test_the_admin_index_carries_the_policy(admin_client_):
    response = admin_client_.get("/admin/")
    assert response.status_code == 200 and "script-src" in directives(response)


def test_the_docs_page_has_no_inline_script_and_serves_its_init_script_as_a_file(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "<script>" not in page and 'src="/api/v1/docs/?script="' in page
    script = client.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
