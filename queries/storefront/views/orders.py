"""My orders: the customer's orders, one order's page, and cancelling a pending order."""

import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from commands.errors import AggregateNotFound, CommandRejected, NotAllowed, VersionConflict
from commands.handlers.orders import cancel_order
from config.integer_input import non_negative_int
from queries.models import CustomerView, OrderView
from queries.storefront.read_your_writes import processing, reads_own_writes, signup_in_progress, url_after
from queries.storefront.selectors import order_lines, order_or_404, orders_page


class CustomerNotProjectedYet(Exception):
    """Signed up a moment ago: the customer's read model is still on its way."""


def customer_or_404(request: HttpRequest) -> CustomerView:
    customer = CustomerView.of_user(request.user)
    if customer is None and signup_in_progress(request):
        raise CustomerNotProjectedYet
    if customer is None:
        raise Http404("This login has no customer account.")
    return customer


def with_customer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except CustomerNotProjectedYet:
            return processing(request)

    return wrapper


def customer_orders_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page about the logged-in customer's orders: GET only, after their own writes, "processing" until projected."""
    return require_GET(login_required(reads_own_writes("orders")(with_customer(view))))


def own_order_or_404(request: HttpRequest, order_id: uuid.UUID) -> OrderView:
    """The order, if it is the logged-in customer's: anyone else's is as absent as a missing one."""
    return order_or_404(order_id=order_id, customer_id=customer_or_404(request).pk)


@customer_orders_page
def order_list(request: HttpRequest) -> HttpResponse:
    customer = customer_or_404(request)
    page = orders_page(customer_id=customer.pk, page_number=request.GET.get("page", 1))
    return render(request, "storefront/orders/list.html", {"page": page})


@customer_orders_page
def order_detail(request: HttpRequest, order_id: uuid.UUID) -> HttpResponse:
    order = own_order_or_404(request, order_id)
    return render(request, "storefront/orders/detail.html", {"order": order, "lines": order_lines(order)})


@require_POST
@login_required
@with_customer
def order_cancel(request: HttpRequest, order_id: uuid.UUID) -> HttpResponse:
    customer = customer_or_404(request)
    order_page = reverse("storefront:order", args=[order_id])
    version = request.POST.get("version", "")
    try:
        result = cancel_order.send(
            request.user,
            order_id=order_id,
            reason="cancelled by the customer",
            expected_version=non_negative_int(version),
            as_customer=customer.pk,
        )
    except AggregateNotFound as missing:
        raise Http404("No such order.") from missing
    except VersionConflict:
        messages.error(request, _("This order changed meanwhile; please look at it again before cancelling."))
        return redirect(order_page)
    except (NotAllowed, CommandRejected):
        messages.error(request, _("Only pending orders can be cancelled here. Please contact us about this one."))
        return redirect(order_page)
    messages.success(request, _("Your order has been cancelled."))
    return redirect(url_after(order_page, result.position))
