"""Orders: the order documents to browse, and pay / ship / cancel as actions that send commands."""

import uuid
from typing import Any

from django.contrib import admin, messages
from django.db import connections
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from commands.errors import CommandError
from commands.handlers import orders
from commands.models import OrderStatus, PaymentAttempt, PaymentAttemptStatus
from queries.admin.command_pages import require_permissions
from queries.admin.command_runner import refusal_message, saved_message, wait_until_projected
from queries.admin.order_actions import RETURN_TO, cancel_orders, pay_orders, ship_orders
from queries.admin.read_model_admin import (
    FixedChoicesFilter,
    ReadModelAdmin,
    admin_link,
    admin_url,
    short_id,
)
from queries.models import CustomerView, OrderView, ProductView


class StatusFilter(FixedChoicesFilter):
    title = "status"
    parameter_name = "status"

    def choices_known(self) -> list[tuple[str, str]]:
        return [(status.value, status.label) for status in OrderStatus]


class ProductFilter(admin.SimpleListFilter):
    """Orders with a given product (linked from the product page); shown only while it is applied."""

    title = "product"
    parameter_name = "product"

    def product_id(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.value() or "")
        except ValueError:
            return None

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        product_id = self.product_id()
        if product_id is None:
            return []
        product = ProductView.objects.filter(pk=product_id).first()
        return [(str(product_id), str(product) if product else short_id(product_id))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        product_id = self.product_id()
        if product_id is None:
            return queryset
        if connections[queryset.db].vendor == "postgresql":
            return queryset.filter(lines__contains=[{"product_id": str(product_id)}])
        # SQLite has no JSON containment: look for the id in the document's text.
        return queryset.annotate(lines_text=Cast("lines", TextField())).filter(lines_text__contains=str(product_id))


def charged_after_cancel() -> list[uuid.UUID]:
    """Orders a card charge reached after they were cancelled (write side: no event records such a charge)."""
    attempts = PaymentAttempt.objects.using("default").filter(status=PaymentAttemptStatus.REFUND_DUE)
    return list(attempts.values_list("order_id", flat=True))


class RefundDueFilter(admin.SimpleListFilter):
    """Orders whose money goes back: paid then cancelled, or charged by card after a cancellation."""

    title = "refund due"
    parameter_name = "refund_due"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Refund due")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() != "yes":
            return queryset
        return queryset.filter(Q(refund_due=True) | Q(pk__in=charged_after_cancel()))


@admin.register(OrderView)
class OrderViewAdmin(ReadModelAdmin):
    list_display = (
        "order",
        "created_at",
        "customer",
        "status",
        "refund",
        "item_count",
        "order_total",
        "tracking_number",
    )
    list_display_links = ("order",)
    list_filter = (StatusFilter, RefundDueFilter, ProductFilter)
    search_fields = ("^customer_email", "^customer_name")
    search_help_text = "Customer email or name (beginning), or an order or customer id."
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    sortable_by = ("order", "created_at", "status", "order_total")
    actions = [pay_orders, ship_orders, cancel_orders]
    fields = (
        "id",
        "status",
        "refund_owed",
        "customer",
        "customer_email",
        "item_count",
        "order_total",
        "tracking_number",
        "delivery_to",
        "version",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("customer", "order_total", "delivery_to", "refund_owed")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        """An order or customer id through the indexes; text through the (smaller) customer table."""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            wanted = uuid.UUID(term)
        except ValueError:
            customers = CustomerView.objects.filter(Q(email__istartswith=term) | Q(name__istartswith=term))
            return queryset.filter(customer_id__in=customers.values("pk")), False
        return queryset.filter(Q(pk=wanted) | Q(customer_id=wanted)), False

    @admin.display(description="order", ordering="id")
    def order(self, order: OrderView) -> str:
        return short_id(order.pk)

    @admin.display(description="customer")
    def customer(self, order: OrderView) -> str:
        return admin_link(CustomerView, order.customer_id, order.customer_name)

    @admin.display(description="refund due", boolean=True, ordering="refund_due")
    def refund(self, order: OrderView) -> bool:
        """Paid then cancelled (the list; a card charge after a cancellation shows on the page and in the filter)."""
        return order.refund_due

    @admin.display(description="refund due")
    def refund_owed(self, order: OrderView) -> str:
        if order.refund_due:
            return f"Yes: paid, then cancelled. Refund {order.total} {order.currency}."
        attempts = PaymentAttempt.objects.using("default").filter(order_id=order.pk)
        if attempts.filter(status=PaymentAttemptStatus.REFUND_DUE).exists():
            return f"Yes: the card was charged after the order was cancelled. Refund {order.total} {order.currency}."
        return "No"

    @admin.display(description="delivery address")
    def delivery_to(self, order: OrderView) -> str:
        address = order.delivery_address
        if not address:
            return "—"
        parts = (
            address["line1"],
            address.get("line2", ""),
            f"{address['postal_code']} {address['city']}",
            address["country"],
        )
        return ", ".join(part for part in parts if part)

    @admin.display(description="total", ordering="total")
    def order_total(self, order: OrderView) -> str:
        return f"{order.total} {order.currency}"

    def has_pay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("commands.pay_order")

    def has_ship_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("commands.ship_order")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("commands.cancel_order")

    def order_buttons(self, request: HttpRequest, order: OrderView) -> list[tuple[str, str]]:
        """(action, label) for the actions this user may run that the order's status allows (as projected)."""
        buttons = []
        if order.status == OrderStatus.PENDING and self.has_pay_permission(request):
            buttons.append(("pay_orders", "Mark paid"))
        if order.status == OrderStatus.PAID and self.has_ship_permission(request):
            buttons.append(("ship_orders", "Ship"))
        if order.status in (OrderStatus.PENDING, OrderStatus.PAID) and self.has_cancel_permission(request):
            buttons.append(("cancel_orders", "Cancel order"))
        return buttons

    def extra_change_context(self, request: HttpRequest, obj: OrderView) -> dict[str, Any]:
        may_see_products = request.user.has_perm("queries.view_productview")
        lines = [
            {**line, "url": admin_url(ProductView, line["product_id"]) if may_see_products else ""}
            for line in obj.lines
        ]
        # The handler refuses the last line too; the button is only not offered where it would be refused.
        may_remove = (
            obj.status == OrderStatus.PENDING and len(lines) > 1 and request.user.has_perm("commands.change_order")
        )
        return {
            "order_lines": lines,
            "may_remove_lines": may_remove,
            "order_buttons": self.order_buttons(request, obj),
            "changelist_url": reverse("admin:queries_orderview_changelist"),
            "return_to_name": RETURN_TO,
            "return_to": request.get_full_path(),
        }

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "<uuid:order_id>/remove-line/<uuid:product_id>/",
                view(require_POST(self.remove_line_view)),
                name="queries_orderview_remove_line",
            ),
            *super().get_urls(),
        ]

    def remove_line_view(self, request: HttpRequest, order_id: uuid.UUID, product_id: uuid.UUID) -> HttpResponse:
        """One line out of a pending order (remove-order-line), at the version the staff member was looking at."""
        require_permissions(request, self, "commands.change_order")
        order = get_object_or_404(OrderView, pk=order_id)
        try:
            expected_version: int | None = int(request.POST.get("expected_version", ""))
        except ValueError:
            expected_version = None
        try:
            result = orders.remove_order_line.send(
                request.user, order_id=order.pk, product_id=product_id, expected_version=expected_version
            )
        except CommandError as error:
            messages.error(request, refusal_message(error, label="order"))
        else:
            projected = wait_until_projected(result.position, ("orders", "catalog"))
            messages.success(request, saved_message("Line removed; its stock is back on sale.", projected=projected))
        return HttpResponseRedirect(admin_url(OrderView, order.pk))
