"""Cart and checkout: changes go through the Cart (saved for a logged-in customer); checkout sends create-order."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from commands.errors import CommandError, CommandRejected, InvalidReference, RejectionCode
from commands.handlers.orders import place_order
from commands.rules import MAX_LINE_QUANTITY
from queries.models import CustomerView
from queries.storefront.cart import Cart
from queries.storefront.forms import AddToCartForm, CartQuantityForm, DeliveryAddressForm
from queries.storefront.read_your_writes import reads_own_writes, signup_in_progress, url_after
from queries.storefront.selectors import CartLine, product_or_404


def render_cart(
    request: HttpRequest,
    *,
    line_errors: dict[uuid.UUID, list[str]] | None = None,
    refusal: str = "",
    address_form: DeliveryAddressForm | None = None,
    status: int = 200,
) -> HttpResponse:
    cart = Cart(request)
    if address_form is None:
        address_form = DeliveryAddressForm(initial=DeliveryAddressForm.initial_for(CustomerView.of_user(request.user)))
    lines = cart.lines()
    errors = dict(line_errors or {})
    for line in lines:
        errors.setdefault(line.product_id, stock_problems(line))
    rows = [{"line": line, "errors": errors.get(line.product_id, [])} for line in lines]
    context = {
        "rows": rows,
        "total": cart.total(lines),
        "currency": next((line.product.currency for line in lines if line.product), ""),
        "refusal": refusal,
        "can_check_out": bool(lines) and not any(row["errors"] for row in rows),
        "max_quantity": MAX_LINE_QUANTITY,
        "address_form": address_form,
    }
    return render(request, "storefront/cart.html", context, status=status)


def stock_problems(line: CartLine) -> list[str]:
    """What the read model already says would make the order fail."""
    if not line.available:
        return [_("This product is no longer sold. Please remove it.")]
    if not line.enough_stock:
        assert line.product is not None
        if line.product.stock <= 0:
            return [_("Out of stock. Please remove it.")]
        return [_("Only %(stock)s left in stock.") % {"stock": line.product.stock}]
    return []


@require_GET
@reads_own_writes("catalog")
def cart_detail(request: HttpRequest) -> HttpResponse:
    return render_cart(request)


def safe_next(request: HttpRequest, candidate: str, default: str) -> str:
    allowed = url_has_allowed_host_and_scheme(candidate, {request.get_host()}, require_https=request.is_secure())
    return candidate if candidate and allowed else default


@require_POST
def cart_add(request: HttpRequest, product_id: uuid.UUID) -> HttpResponse:
    product = product_or_404(product_id)
    form = AddToCartForm(request.POST)
    back = safe_next(request, request.POST.get("next", ""), reverse("storefront:product", args=[product.pk]))
    cart = Cart(request, fresh=True)
    if not form.is_valid():
        for error in form.errors.get("quantity", []):
            messages.error(request, str(error))
        return redirect(back)
    wanted = cart.quantity_of(product.pk) + form.cleaned_data["quantity"]
    if cart.is_full_for(product.pk):
        messages.error(request, _("Your cart is full. Please check out or remove something first."))
    elif wanted > product.stock:
        messages.error(
            request,
            _("Sorry, only %(stock)s of “%(name)s” left in stock.") % {"stock": product.stock, "name": product.name},
        )
    elif wanted > MAX_LINE_QUANTITY:
        messages.error(request, _("At most %(max)s of one product per order.") % {"max": MAX_LINE_QUANTITY})
    else:
        cart.set(product.pk, wanted)
        messages.success(request, _("Added “%(name)s” to your cart.") % {"name": product.name})
    return redirect(back)


@require_POST
def cart_update(request: HttpRequest, product_id: uuid.UUID) -> HttpResponse:
    cart = Cart(request, fresh=True)
    if not cart.quantity_of(product_id):
        return redirect("storefront:cart")
    form = CartQuantityForm(request.POST)
    if not form.is_valid():
        return render_cart(
            request, line_errors={product_id: [str(error) for error in form.errors["quantity"]]}, status=400
        )
    cart.set(product_id, form.cleaned_data["quantity"])
    messages.success(request, _("Quantity updated."))
    return redirect("storefront:cart")


@require_POST
def cart_remove(request: HttpRequest, product_id: uuid.UUID) -> HttpResponse:
    Cart(request, fresh=True).remove(product_id)
    messages.success(request, _("Removed from your cart."))
    return redirect("storefront:cart")


@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        # Back to the cart after logging in: the checkout itself only answers POST.
        return redirect_to_login(reverse("storefront:cart"))
    cart = Cart(request, fresh=True)
    customer = CustomerView.of_user(request.user)
    if customer is None and signup_in_progress(request):
        messages.info(request, _("Your account is still being set up. Please place the order again in a moment."))
        return redirect("storefront:cart")
    if customer is None:
        messages.error(request, _("This login has no customer account, so it cannot place orders."))
        return redirect("storefront:cart")
    if not len(cart):
        messages.error(request, _("Your cart is empty."))
        return redirect("storefront:cart")
    address_form = DeliveryAddressForm(request.POST)
    if not address_form.is_valid():
        return render_cart(request, address_form=address_form, status=400)
    try:
        result = place_order.send(
            request.user,
            customer_id=customer.pk,
            lines=cart.order_lines(),
            delivery_address=address_form.address(),
        )
    except CommandError as refusal:
        return render_cart(request, refusal=refusal_message(refusal), address_form=address_form, status=422)
    cart.clear()
    messages.success(request, _("Thank you! Your order has been placed."))
    return redirect(url_after(reverse("storefront:order-pay", args=[result.aggregate_id]), result.position))


def refusal_message(refusal: Any) -> str:
    """Say why the order was refused in the shopper's language; the handler's own detail is English."""
    if isinstance(refusal, CommandRejected) and refusal.code == RejectionCode.INSUFFICIENT_STOCK:
        return _("We do not have enough stock for your order. Please lower the quantities marked below.")
    if isinstance(refusal, CommandRejected) and refusal.code == RejectionCode.PRODUCT_UNAVAILABLE:
        return _("A product in your cart is no longer sold. Please remove it and try again.")
    if isinstance(refusal, InvalidReference):
        return _("A product in your cart no longer exists. Please remove it and try again.")
    return _("Your order could not be placed. Please try again.")
