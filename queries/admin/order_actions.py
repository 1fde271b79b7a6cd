"""Pay, ship and cancel orders in bulk: one command per order, each row reported on its own."""

import dataclasses
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme

from commands.errors import CommandError
from commands.handlers import orders
from commands.handlers.command import CommandHandler
from queries.admin.command_runner import refusal_message, wait_until_projected
from queries.admin.read_model_admin import short_id
from queries.models import OrderView

MAX_ORDERS_PER_ACTION = 500
PROJECTIONS = ("orders",)
RETURN_TO = "return_to"


@dataclasses.dataclass(frozen=True)
class BulkCommand:
    handler: CommandHandler[Any]
    done: str  # "paid": "Order 1a2b3c4d paid."
    verb: str  # "pay": "1 order could not pay"


PAY = BulkCommand(orders.pay_order, done="paid", verb="be paid")
SHIP = BulkCommand(orders.ship_order, done="shipped", verb="be shipped")
CANCEL = BulkCommand(orders.cancel_order, done="cancelled", verb="be cancelled")


def selected_orders(request: HttpRequest, queryset: QuerySet[OrderView]) -> list[OrderView] | None:
    chosen = list(queryset.order_by("created_at", "pk")[: MAX_ORDERS_PER_ACTION + 1])
    if len(chosen) > MAX_ORDERS_PER_ACTION:
        messages.error(request, f"Select at most {MAX_ORDERS_PER_ACTION} orders at a time. Nothing was done.")
        return None
    return chosen


def back_to(request: HttpRequest) -> HttpResponseRedirect | None:
    """Where a single-order action started (its change page); None: Django returns to the list."""
    target = request.POST.get(RETURN_TO, "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return None


def run_for_each(
    request: HttpRequest,
    chosen: list[OrderView],
    command: BulkCommand,
    arguments: Callable[[OrderView], dict[str, Any]] = lambda order: {},
) -> HttpResponseRedirect | None:
    done, refused, last_position = 0, 0, 0
    for order in chosen:
        label = f"Order {short_id(order.pk)} ({order.customer_name})"
        try:
            result = command.handler.send(request.user, order_id=order.pk, **arguments(order))
        except CommandError as error:
            refused += 1
            messages.error(request, f"{label} could not {command.verb}: {refusal_message(error, label='order')}")
        else:
            done += 1
            last_position = max(last_position, result.position)
            messages.success(request, f"{label} {command.done}.")
    if done:
        summary = f"{done} of {len(chosen)} orders {command.done}."
        if not wait_until_projected(last_position, PROJECTIONS):
            summary += " The pages will show the new status in a moment."
        messages.info(request, summary)
    return back_to(request)


def confirmation_page(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    chosen: list[OrderView],
    *,
    action: str,
    title: str,
    submit_label: str,
    asks_reason: bool = False,
    asks_tracking: bool = False,
) -> HttpResponse:
    """The intermediate page (like Django's delete confirmation) that posts the action back with post=yes."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "orders": chosen,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "submit_label": submit_label,
        "asks_reason": asks_reason,
        "asks_tracking": asks_tracking,
        "return_to": request.POST.get(RETURN_TO, ""),
    }
    return TemplateResponse(request, "admin/queries/orderview/confirm_action.html", context)


@admin.action(description="Mark selected orders paid", permissions=["pay"])
def pay_orders(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
    chosen = selected_orders(request, queryset)
    return run_for_each(request, chosen, PAY) if chosen is not None else None


@admin.action(description="Ship selected orders", permissions=["ship"])
def ship_orders(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
    def tracking_number(order: OrderView) -> dict[str, Any]:
        return {"tracking_number": request.POST.get(f"tracking_{order.pk}", "").strip()[:100]}

    page = {"action": "ship_orders", "title": "Ship orders", "submit_label": "Ship", "asks_tracking": True}
    return confirm_then_run(model_admin, request, queryset, SHIP, tracking_number, page=page)


@admin.action(description="Cancel selected orders", permissions=["cancel"])
def cancel_orders(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
    reason = request.POST.get("reason", "").strip()[:500]
    page = {
        "action": "cancel_orders",
        "title": "Cancel orders",
        "submit_label": "Yes, cancel them",
        "asks_reason": True,
    }
    return confirm_then_run(model_admin, request, queryset, CANCEL, lambda order: {"reason": reason}, page=page)


def confirm_then_run(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    command: BulkCommand,
    arguments: Callable[[OrderView], dict[str, Any]],
    *,
    page: dict[str, Any],
) -> HttpResponse | None:
    """First the confirmation page (which asks for what the command needs), then the command for each order."""
    chosen = selected_orders(request, queryset)
    if chosen is None:
        return None
    if request.POST.get("post") != "yes":
        return confirmation_page(model_admin, request, chosen, **page)
    return run_for_each(request, chosen, command, arguments)
