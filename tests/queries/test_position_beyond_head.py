"""A position past the event log's head is answered at once; a real one that is not projected yet still waits.

The head comes from the cache (published by the write side on commit): queries never ask the write database.
"""

import threading
import time

import pytest
from django.core.cache import cache
from django.db import connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from commands.log_head import HEAD_KEY, publish_head, published_head
from projections import progress, runner
from tests.conftest import wait_until
from tests.factories import make_product
from tests.queries.storefront_pages import make_shopper

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


@pytest.fixture
def long_waits(settings):
    settings.READ_POSITION_WAIT_SECONDS = 10
    settings.STOREFRONT_WAIT_SECONDS = 10


def test_a_commit_publishes_the_head():
    make_product()
    assert published_head() == progress.head_position() > 0


def test_the_head_never_goes_back():
    publish_head(50)
    publish_head(40)  # a commit's callback that ran after a later commit's
    assert published_head() == 50


def test_a_position_past_the_head_answers_503_at_once(api, long_waits):
    make_product()
    runner.run_all()
    head = published_head()
    assert head is not None
    started = time.monotonic()
    with CaptureQueriesContext(connections["default"]) as write_queries:
        response = api.get("/api/v1/products/", HTTP_X_MIN_POSITION=str(head + 1000))
    assert time.monotonic() - started < 1.0
    assert not write_queries.captured_queries
    assert response.status_code == 503 and response["Retry-After"] == "1"
    body = response.json()
    assert body["code"] == "position_beyond_head"
    assert (body["read_position"], body["head_position"]) == (head, head)


def test_a_just_written_position_still_waits_and_is_served(long_waits):
    """Not projected yet but written: the request waits for the projection, then serves it."""
    make_product()  # the catalog projection exists; this write is projected below, while the request waits
    position = progress.head_position()
    polls = []
    real_read_position = progress.read_position

    def counted(names):
        polls.append(names)
        return real_read_position(names)

    answers = []
    progress.read_position = counted
    try:
        request = threading.Thread(
            target=lambda: answers.append(APIClient().get("/api/v1/products/", HTTP_X_MIN_POSITION=str(position)))
        )
        request.start()
        wait_until(lambda: len(polls) >= 3, timeout=5)  # it is polling, not answered
        assert not answers
        runner.run_all()
        request.join(timeout=10)
    finally:
        progress.read_position = real_read_position
    assert answers and answers[0].status_code == 200
    assert int(answers[0]["X-Read-Position"]) >= position


def test_without_a_published_head_it_waits_as_before(api, settings):
    settings.READ_POSITION_WAIT_SECONDS = 0.3
    make_product()
    cache.delete(HEAD_KEY)
    started = time.monotonic()
    response = api.get("/api/v1/products/", HTTP_X_MIN_POSITION="999999")
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 503 and "code" not in response.json()


def test_a_page_after_a_position_past_the_head_renders_at_once(long_waits):
    shopper = make_shopper()
    head = published_head()
    assert head is not None
    started = time.monotonic()
    response = shopper.client.get("/account/", {"after": str(head + 1000)})
    assert time.monotonic() - started < 1.0
    assert response.status_code == 200 and shopper.email in response.content.decode()


def test_a_page_after_a_real_position_still_says_processing(settings):
    settings.STOREFRONT_WAIT_SECONDS = 0
    shopper = make_shopper()
    make_product()
    response = shopper.client.get("/account/", {"after": str(progress.head_position())})
    assert response.status_code == 202 and '<meta http-equiv="refresh"' in response.content.decode()
