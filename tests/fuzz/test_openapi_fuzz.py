"""Property-based requests from the published OpenAPI schema (schemathesis) against the app on PostgreSQL.

Every operation, anonymous and as a superuser: never a 500, and every response (status, content type,
headers, body) conforms to the schema. The seed is fixed so a failure replays: the test prints it, and
FUZZ_SEED=<n> runs another one; FUZZ_EXAMPLES bounds the examples per operation (CI: ~2 minutes in all).
"""

import os

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, seed, settings
from knox.models import AuthToken
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

# Each test runs in a rolled-back transaction, as Django's test client would (see the fixture below).
pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.slow]
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))


def no_server_error(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """schemathesis's not_a_server_error, except the contract's 503 + Retry-After (X-Min-Position not reached)."""
    if response.status_code == 503 and "retry-after" in {name.lower() for name in response.headers}:
        return True
    return not_a_server_error(ctx, response, case)


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def short_position_waits(settings):
    """A made-up X-Min-Position waits out the whole timeout: keep it short, the answer is the same 503."""
    settings.READ_POSITION_WAIT_SECONDS = 0.05


@pytest.fixture(autouse=True)
def keep_the_test_transaction():
    """A WSGI request closes the connection at its end (close_old_connections); the test client skips that too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def superuser_token() -> str:
    user = get_user_model().objects.create_superuser("fuzz-root", password=None)
    return str(AuthToken.objects.create(user)[1])


# Loaded once at collection, from the app itself: the schema view needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
fuzz_settings = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def announce(who: str) -> None:
    print(f"schemathesis as {who}: FUZZ_SEED={SEED} FUZZ_EXAMPLES={EXAMPLES}")


@schema.parametrize()
@seed(SEED)
@fuzz_settings
def test_anonymous_requests_get_no_500_and_answers_on_schema(case):
    announce("anonymous")
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@seed(SEED)
@fuzz_settings
def test_superuser_requests_get_no_500_and_answers_on_schema(case, superuser_token):
    announce("superuser")
    case.call_and_validate(headers={"Authorization": f"Token {superuser_token}"}, checks=CHECKS)
