"""The pay step: a card form whose every showing carries a fresh attempt key; the payment is the write side's."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from commands.errors import AggregateNotFound, CommandRejected
from commands.event_log import CommandContext
from commands.models import PaymentAttemptStatus
from commands.payments.card_payment import pay_with_card
from queries.models import OrderView
from queries.storefront.forms import CardPaymentForm
from queries.storefront.read_your_writes import url_after
from queries.storefront.selectors import order_or_404
from queries.storefront.views.orders import customer_or_404, customer_orders_page, own_order_or_404, with_customer

FAILURE_MESSAGES = {
    PaymentAttemptStatus.DECLINED: gettext_lazy(
        "Your card was declined and nothing was charged. Your order is still pending: "
        "check the card number or use another card, then try again."
    ),
    PaymentAttemptStatus.TIMED_OUT: gettext_lazy(
        "The payment service did not answer in time and nothing was charged. Your order is still pending: "
        "please try again."
    ),
    PaymentAttemptStatus.REFUND_DUE: gettext_lazy(
        "Your order was cancelled while the payment went through; the amount will be refunded to your card."
    ),
}


def render_pay_page(
    request: HttpRequest, order: OrderView, *, form: CardPaymentForm | None = None, failure: str = "", status: int = 200
) -> HttpResponse:
    # A fresh key for every showing of the form: "try again" is a new attempt, a resubmitted form is not.
    form = form or CardPaymentForm(initial={"attempt": uuid.uuid4()})
    context = {"order": order, "form": form, "failure": failure}
    return render(request, "storefront/orders/pay.html", context, status=status)


@customer_orders_page
def order_pay(request: HttpRequest, order_id: uuid.UUID) -> HttpResponse:
    order = own_order_or_404(request, order_id)
    if order.status != "pending":
        return redirect("storefront:order", order_id=order.pk)
    return render_pay_page(request, order)


@require_POST
@login_required
@with_customer
def order_pay_submit(request: HttpRequest, order_id: uuid.UUID) -> HttpResponse:
    customer = customer_or_404(request)
    order = order_or_404(order_id=order_id, customer_id=customer.pk)
    order_page = reverse("storefront:order", args=[order.pk])
    form = CardPaymentForm(request.POST)
    if not form.is_valid():
        return render_pay_page(request, order, form=form, status=400)
    try:
        outcome = pay_with_card(
            context=CommandContext.for_user(request.user, command="pay-order"),
            order_id=order.pk,
            customer_id=customer.pk,
            card_number=form.cleaned_data["card_number"],
            attempt_key=form.cleaned_data["attempt"],
        )
    except AggregateNotFound as missing:
        raise Http404("No such order.") from missing
    except CommandRejected:
        messages.info(request, _("This order is paid already or can no longer be paid."))
        return redirect(order_page)
    if outcome.status == PaymentAttemptStatus.REFUND_DUE:
        messages.warning(request, str(FAILURE_MESSAGES[outcome.status]))
        return redirect(order_page)
    if outcome.status != PaymentAttemptStatus.APPROVED:
        failure = str(FAILURE_MESSAGES[outcome.status])
        return render_pay_page(request, order, failure=failure, status=402)
    messages.success(request, _("Thank you! Your payment has been received."))
    return redirect(url_after(order_page, outcome.paid.position) if outcome.paid else order_page)
