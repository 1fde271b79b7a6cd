"""The wake-up: sent on commit once per write transaction, a task per projection that has none waiting, never
failing or stalling a command."""

import time
from decimal import Decimal

import pytest
from django.db import transaction

from commands.errors import CommandRejected
from commands.handlers import products
from commands.log_head import PublishHead
from commands.models import Event
from projections.receivers import wake_projections
from projections.registry import CONSUMERS, REACTORS
from projections.routing import PROJECTION_QUEUE, REACTOR_QUEUE
from projections.tasks import forget_queued
from tests.factories import context, make_customer, make_product
from tests.projections.broker import purge_wake_ups, queued_wake_ups, unreachable_broker


class Abandoned(Exception):
    pass


@pytest.mark.django_db(databases="__all__")
def test_a_transaction_registers_one_wake_up_on_the_write_alias(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(using="default") as on_write,
        django_capture_on_commit_callbacks(using="read") as on_read,
    ):
        make_product()
        make_customer()  # same (test) transaction: no second wake-up

    # Beside it the write side's own callback that publishes the log head, also once per transaction.
    assert [type(callback) for callback in on_write[1:]] == [PublishHead]
    assert on_write[:1] == [wake_projections]
    assert on_read == []


@pytest.fixture
def wake_up_queue():
    purge_wake_ups()
    yield
    purge_wake_ups()


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.usefixtures("wake_up_queue")
def test_a_committed_command_enqueues_a_task_per_projection_unless_one_is_waiting():
    make_product()
    assert queued_wake_ups((PROJECTION_QUEUE,)) == len(CONSUMERS) - len(REACTORS)
    assert queued_wake_ups((REACTOR_QUEUE,)) == len(REACTORS)  # the emails' task waits on the reactors' queue
    make_customer()
    assert queued_wake_ups() == len(CONSUMERS)  # the second commit's events are read by the tasks still waiting

    forget_queued("catalog")  # what the catalog task does when a worker starts it, before it reads the log
    make_product()
    assert queued_wake_ups() == len(CONSUMERS) + 1  # a commit after that start needs a catalog task of its own


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.usefixtures("wake_up_queue")
def test_a_failed_send_leaves_no_flag_that_would_silence_the_next_commits():
    with unreachable_broker():
        make_product()
    make_product()
    assert queued_wake_ups() == len(CONSUMERS)


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.usefixtures("wake_up_queue")
def test_several_commands_in_one_transaction_enqueue_one_wake_up():
    with transaction.atomic(using="default"):
        make_product()
        make_product()
        make_customer()
        assert queued_wake_ups() == 0  # nothing before commit
    assert Event.objects.count() == 3
    assert queued_wake_ups() == len(CONSUMERS)


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.usefixtures("wake_up_queue")
def test_a_rolled_back_transaction_enqueues_nothing():
    with pytest.raises(Abandoned), transaction.atomic(using="default"):
        make_product()
        raise Abandoned
    make_product(sku="TAKEN-1")
    with pytest.raises(CommandRejected):
        products.create_product(context=context(), sku="TAKEN-1", name="Again", price=Decimal("1.00"))

    assert Event.objects.count() == 1
    assert queued_wake_ups() == len(CONSUMERS)  # only the committed product's


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.usefixtures("wake_up_queue")
def test_a_wake_up_rolled_back_with_its_savepoint_is_registered_again_by_a_later_append():
    with transaction.atomic(using="default"):
        with pytest.raises(Abandoned), transaction.atomic(using="default"):
            make_product()
            raise Abandoned
        make_product()
    assert Event.objects.count() == 1
    assert queued_wake_ups() == len(CONSUMERS)


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.parametrize("silent", [False, True], ids=["refusing", "silent"])
def test_an_unreachable_broker_neither_fails_nor_stalls_commands(silent):
    ran_after_wake_up = []
    with unreachable_broker(silent=silent):
        started = time.monotonic()
        with transaction.atomic(using="default"):
            make_product()
            transaction.on_commit(lambda: ran_after_wake_up.append(True), using="default")
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(5):
            make_product()
        next_five = time.monotonic() - started

    assert Event.objects.count() == 6
    assert ran_after_wake_up == [True]
    assert first < 5.0  # one connection attempt (2 s connect, 3 s read timeout), not a hang
    assert next_five < 1.0  # the wake-ups pause instead of paying the timeout again
