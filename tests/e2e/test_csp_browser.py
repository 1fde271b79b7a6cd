"""Under the Content-Security-Policy the API docs, the admin and the storefront render with no violation.

Chromium reports each blocked script, style, image or connection on the console ("Refused to ... because it
violates the following Content Security Policy directive"); the page also hears `securitypolicyviolation`.
"""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"), pytest.mark.slow]
PASSWORD = "csp-admin-secret-42"
LISTEN = """document.addEventListener("securitypolicyviolation", (event) => {
  (window.cspViolations = window.cspViolations || []).push(event.violatedDirective + " " + event.blockedURI);
});"""


@pytest.fixture
def violations(page: Page) -> list[str]:
    seen: list[str] = []
    page.add_init_script(LISTEN)
    page.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    return seen


def page_violations(page: Page) -> Any:
    return page.evaluate("window.cspViolations || []")


def test_the_swagger_docs_render_under_the_policy(live_server, page, violations):
    response = page.goto(f"{live_server.url}/api/v1/docs/")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("cqrs-shop API")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/products/").first).to_be_visible()
    page.locator(".opblock-summary-path", has_text="/api/v1/products/").first.click()
    expect(page.get_by_role("button", name="Try it out").first).to_be_visible()
    screenshot(page, "csp-docs")
    assert violations == [] and page_violations(page) == []


def test_the_admin_renders_under_the_policy(live_server, page, violations):
    get_user_model().objects.create_superuser("root", password=PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_contain_text("cqrs-shop admin")
    for path in ("/admin/queries/productview/", "/admin/projections/checkpoint/", "/admin/auth/user/add/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()
        assert page.locator("#content").inner_text().strip(), path
        assert page_violations(page) == [], path
    page.goto(f"{live_server.url}/admin/queries/productview/")
    page.locator("#nav-sidebar").or_(page.locator("#toggle-nav-sidebar")).first.wait_for(state="attached")
    screenshot(page, "csp-admin")
    assert violations == []


def test_the_storefront_renders_under_the_policy(live_server, page, violations):
    page.goto(f"{live_server.url}/")
    expect(page.locator("body")).to_be_visible()
    page.goto(f"{live_server.url}/account/signup/")
    expect(page.locator('form[action="/account/signup/"]')).to_be_visible()
    assert violations == [] and page_violations(page) == []
