"""The customer's pay step: claim an attempt, charge the card, and on approval run pay-order, never twice."""

import dataclasses
import datetime
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction

from commands.errors import AggregateNotFound, CommandRejected, RejectionCode
from commands.event_log import WRITE_DB, CommandContext
from commands.handlers.orders import check_order_state, pay_order
from commands.handlers.recording import CommandResult
from commands.models import Order, OrderStatus, PaymentAttempt, PaymentAttemptStatus
from commands.payments.gateway import ChargeStatus, GatewayTimeout, PaymentGateway, configured_gateway

LIVE = (PaymentAttemptStatus.CHARGING, PaymentAttemptStatus.APPROVED)


@dataclasses.dataclass(frozen=True)
class PaymentOutcome:
    status: PaymentAttemptStatus
    paid: CommandResult | None = None  # pay-order's result when this call paid the order


def pay_with_card(
    *,
    context: CommandContext,
    order_id: uuid.UUID,
    customer_id: uuid.UUID,
    card_number: str,
    attempt_key: uuid.UUID,
    gateway: PaymentGateway | None = None,
) -> PaymentOutcome:
    """`attempt_key` comes with the pay form: the same form sent twice is one attempt and at most one charge."""
    repeat = PaymentAttempt.objects.filter(pk=attempt_key).first()
    if repeat is not None:
        return _repeat_of(repeat, order_id=order_id)
    try:
        attempt, currency = _claim(context=context, order_id=order_id, customer_id=customer_id, key=attempt_key)
    except IntegrityError:  # the same form, sent twice at once: the other request is charging it
        return _repeat_of(PaymentAttempt.objects.get(pk=attempt_key), order_id=order_id)
    # Outside any transaction: no row lock is held while the gateway takes its time.
    try:
        charge = (gateway or configured_gateway()).charge(
            amount=attempt.amount, currency=currency, card_number=card_number, idempotency_key=str(attempt.key)
        )
    except GatewayTimeout:
        _finish(attempt, PaymentAttemptStatus.TIMED_OUT, context=context)
        return PaymentOutcome(PaymentAttemptStatus.TIMED_OUT)
    if charge.status != ChargeStatus.APPROVED:
        _finish(attempt, PaymentAttemptStatus.DECLINED, context=context, reference=charge.reference)
        return PaymentOutcome(PaymentAttemptStatus.DECLINED)
    try:
        with transaction.atomic(using=WRITE_DB):
            paid = pay_order(
                context=context, order_id=order_id, amount=attempt.amount, payment_reference=charge.reference
            )
            _finish(attempt, PaymentAttemptStatus.APPROVED, context=context, reference=charge.reference)
    except CommandRejected:
        # Cancelled while the card was being charged: the money was taken, so the attempt records it to refund.
        _finish(attempt, PaymentAttemptStatus.REFUND_DUE, context=context, reference=charge.reference)
        return PaymentOutcome(PaymentAttemptStatus.REFUND_DUE)
    return PaymentOutcome(PaymentAttemptStatus.APPROVED, paid)


def _repeat_of(attempt: PaymentAttempt, *, order_id: uuid.UUID) -> PaymentOutcome:
    if attempt.order_id != order_id:
        raise AggregateNotFound("order")
    if attempt.status == PaymentAttemptStatus.CHARGING:
        raise CommandRejected(RejectionCode.INVALID_STATE, "This payment is still being processed.")
    return PaymentOutcome(PaymentAttemptStatus(attempt.status))


def _claim(
    *, context: CommandContext, order_id: uuid.UUID, customer_id: uuid.UUID, key: uuid.UUID
) -> tuple[PaymentAttempt, str]:
    """Record the attempt before charging: a pending order of this customer with no payment under way."""
    with transaction.atomic(using=WRITE_DB):
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or order.customer_id != customer_id:
            raise AggregateNotFound("order")
        check_order_state(order, OrderStatus.PENDING, action="paid")
        # An attempt left charging by a crashed process would block the order for good: past the
        # gateway's own limit it cannot succeed any more, so it is recorded as timed out.
        stale_before = context.now - datetime.timedelta(seconds=settings.PAYMENT_ATTEMPT_STALE_SECONDS)
        order.payment_attempts.filter(status=PaymentAttemptStatus.CHARGING, created_at__lt=stale_before).update(
            status=PaymentAttemptStatus.TIMED_OUT, finished_at=context.now
        )
        if order.payment_attempts.filter(status__in=LIVE).exists():
            raise CommandRejected(RejectionCode.INVALID_STATE, "A payment of this order is already under way.")
        attempt = PaymentAttempt.objects.create(
            key=key, order=order, amount=order.total, status=PaymentAttemptStatus.CHARGING, created_at=context.now
        )
        return attempt, order.currency


def _finish(
    attempt: PaymentAttempt, status: PaymentAttemptStatus, *, context: CommandContext, reference: str = ""
) -> None:
    attempt.status = status
    attempt.reference = reference
    attempt.finished_at = context.now
    attempt.save(update_fields=["status", "reference", "finished_at"])
