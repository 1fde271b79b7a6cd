"""Customers: the customer summaries to browse, and the customer commands to act on them."""

import uuid
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse

from commands.errors import CommandError, InvalidReference
from commands.handlers import customers, orders
from queries.admin import command_runner
from queries.admin.command_pages import (
    CommandPage,
    command_form_view,
    render_command_form,
    require_permissions,
    show_refusal,
)
from queries.admin.customer_forms import PlaceOrderForm, RegisterCustomerForm, UpdateCustomerForm
from queries.admin.read_model_admin import CommandLink, ReadModelAdmin, admin_url
from queries.models import CustomerView, OrderView

RECENT_ORDERS = 20


class YesNoFilter(admin.SimpleListFilter):
    """A filter with the two choices "yes" and "no", labelled by `labels`."""

    labels: tuple[str, str]

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", self.labels[0]), ("no", self.labels[1])]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return self.filter(queryset, yes=self.value() == "yes")
        return queryset

    def filter(self, queryset: QuerySet, *, yes: bool) -> QuerySet:
        raise NotImplementedError


class HasOrdersFilter(YesNoFilter):
    title = "orders"
    parameter_name = "has_orders"
    labels = ("Has ordered", "Never ordered")

    def filter(self, queryset: QuerySet, *, yes: bool) -> QuerySet:
        return queryset.filter(orders_count__gt=0) if yes else queryset.filter(orders_count=0)


class HasLoginFilter(YesNoFilter):
    title = "login"
    parameter_name = "has_login"
    labels = ("Can log in", "No login")

    def filter(self, queryset: QuerySet, *, yes: bool) -> QuerySet:
        return queryset.filter(user_id__isnull=not yes)


@admin.register(CustomerView)
class CustomerViewAdmin(ReadModelAdmin):
    # The orders projection keeps its own copy of names and emails; the admin waits for both.
    projections = ("customers", "orders")
    list_display = ("name", "email", "phone", "orders_count", "total_spent", "last_order_at", "created_at")
    list_display_links = ("name", "email")
    list_filter = (HasOrdersFilter, HasLoginFilter)
    search_fields = ("^email", "^name")
    search_help_text = "Email or name (beginning), or a customer id."
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    sortable_by = ("name", "email", "orders_count", "total_spent", "created_at")
    fields = (
        "id",
        "name",
        "email",
        "phone",
        "postal_address",
        "user_id",
        "orders_count",
        "total_spent",
        "last_order_at",
        "version",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("postal_address",)

    @admin.display(description="address")
    def postal_address(self, customer: CustomerView) -> str:
        address = customer.address or {}
        parts = [address.get(field, "") for field in ("line1", "line2", "postal_code", "city", "country")]
        return ", ".join(part for part in parts if part) or "-"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("register/", view(self.register_view), name="queries_customerview_register"),
            path("<uuid:customer_id>/edit/", view(self.edit_view), name="queries_customerview_edit"),
            path("<uuid:customer_id>/order/", view(self.place_order_view), name="queries_customerview_order"),
            *super().get_urls(),
        ]

    def command_links(self, request: HttpRequest, obj: CustomerView | None) -> list[CommandLink]:
        if obj is None:
            if request.user.has_perm("commands.add_customer"):
                return [CommandLink("Register customer", reverse("admin:queries_customerview_register"))]
            return []
        links = []
        if request.user.has_perm("commands.change_customer"):
            links.append(CommandLink("Edit details", reverse("admin:queries_customerview_edit", args=[obj.pk])))
        if request.user.has_perm("commands.add_order"):
            links.append(CommandLink("Place an order", reverse("admin:queries_customerview_order", args=[obj.pk])))
        return links

    def extra_change_context(self, request: HttpRequest, obj: CustomerView) -> dict[str, Any]:
        if not request.user.has_perm("queries.view_orderview"):
            return {}
        recent = OrderView.objects.filter(customer_id=obj.pk).order_by("-created_at")[:RECENT_ORDERS]
        return {
            "customer_orders": [(order, admin_url(OrderView, order.pk)) for order in recent],
            "all_orders_url": reverse("admin:queries_orderview_changelist") + f"?customer_id={obj.pk}",
        }

    def register_view(self, request: HttpRequest) -> HttpResponse:
        require_permissions(request, self, "commands.add_customer")
        form = RegisterCustomerForm(request.POST or None)
        intro = "Registers a customer without a login; they can sign up themselves to get one."
        return command_form_view(
            self,
            request,
            form=form,
            handler=customers.register_customer,
            arguments=form.command_arguments,
            done=lambda: f"Customer {form.cleaned_data['email']} registered.",
            page=CommandPage(title="Register customer", submit_label="Register", intro=intro),
        )

    def edit_view(self, request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
        require_permissions(request, self, "commands.change_customer")
        customer = get_object_or_404(CustomerView, pk=customer_id)
        form = UpdateCustomerForm.for_customer(customer, request.POST or None)
        intro = "They log in with their email: changing it changes their login too." if customer.user_id else ""
        return command_form_view(
            self,
            request,
            form=form,
            handler=customers.update_customer_details,
            target={"customer_id": customer.pk},
            arguments=form.command_arguments,
            done=lambda: f"Details of {customer.email} saved.",
            page=CommandPage(title=f"Edit {customer.name}", submit_label="Save", original=customer, intro=intro),
        )

    def place_order_view(self, request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
        """An order for a customer who phones in: the same create-order handler, its refusals shown on the form."""
        require_permissions(request, self, "commands.add_order")
        customer = get_object_or_404(CustomerView, pk=customer_id)
        form = PlaceOrderForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                result = orders.place_order.send(request.user, customer_id=customer.pk, lines=form.lines())
            except InvalidReference:
                form.add_error(None, "A product on the form no longer exists; pick again.")
            except CommandError as error:
                show_refusal(form, error, label="order")
            else:
                projected = command_runner.wait_until_projected(result.position, ("orders",))
                done = command_runner.saved_message(f"Order placed for {customer.email}.", projected=projected)
                messages.success(request, done)
                if projected:
                    return HttpResponseRedirect(admin_url(OrderView, result.aggregate_id))
                return HttpResponseRedirect(admin_url(CustomerView, customer.pk))
        address = customer.address
        where = (
            f"It goes to their address on file ({', '.join(v for v in address.values() if v)})."
            if address
            else ("They have no address on file: the order will have no delivery address.")
        )
        page = CommandPage(
            title=f"Place an order for {customer.name}",
            submit_label="Place order",
            original=customer,
            intro=f"Stock is reserved for every line or for none. {where}",
        )
        return render_command_form(request, self, form=form, page=page)
