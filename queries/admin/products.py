"""Products: the catalog read model to browse, and the catalog commands to act on it."""

import uuid

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse

from commands.handlers import products
from queries.admin.command_pages import CommandPage, command_form_view, require_permissions
from queries.admin.product_forms import (
    AdjustStockForm,
    CreateProductForm,
    DeleteProductForm,
    EditProductForm,
    discard_stored_image,
)
from queries.admin.read_model_admin import CommandLink, ReadModelAdmin
from queries.models import ProductView


class StockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("out", "Out of stock"), ("low", "Low (1-5)"), ("in", "In stock")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        match self.value():
            case "out":
                return queryset.filter(stock__lte=0)
            case "low":
                return queryset.filter(stock__gte=1, stock__lte=5)
            case "in":
                return queryset.filter(stock__gt=0)
        return queryset


@admin.register(ProductView)
class ProductViewAdmin(ReadModelAdmin):
    projections = ("catalog",)
    list_display = ("sku", "name", "price", "currency", "stock", "units_sold", "deleted", "updated_at")
    list_display_links = ("sku", "name")
    list_filter = ("deleted", StockFilter)
    search_fields = ("^sku", "^name")
    search_help_text = "SKU or name (beginning), or a product id."
    date_hierarchy = "created_at"
    ordering = ("name",)
    # Only indexed columns: sorting a million rows by anything else is a full sort per page load.
    sortable_by = ("sku", "name", "price", "units_sold", "created_at")
    fields = (
        *ProductView.OFFER_FIELDS,
        "units_sold",
        "deleted",
        "image",
        "version",
        "created_at",
        "updated_at",
    )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("create/", view(self.create_view), name="queries_productview_create"),
            path("<uuid:product_id>/edit/", view(self.edit_view), name="queries_productview_edit"),
            path("<uuid:product_id>/stock/", view(self.adjust_stock_view), name="queries_productview_stock"),
            path(
                "<uuid:product_id>/delete-product/",
                view(self.delete_product_view),
                name="queries_productview_delete_product",
            ),
            *super().get_urls(),
        ]

    def command_links(self, request: HttpRequest, obj: ProductView | None) -> list[CommandLink]:
        user = request.user
        if obj is None:
            if user.has_perm("commands.add_product"):
                return [CommandLink("Add product", reverse("admin:queries_productview_create"))]
            return []
        links = []
        if user.has_perm("queries.view_orderview"):
            orders = reverse("admin:queries_orderview_changelist") + f"?product={obj.pk}"
            links.append(CommandLink("Orders with this product", orders))
        if obj.deleted:
            return links
        if user.has_perm("commands.change_product"):
            links.append(CommandLink("Edit", reverse("admin:queries_productview_edit", args=[obj.pk])))
        if user.has_perm("commands.adjust_stock"):
            links.append(CommandLink("Adjust stock", reverse("admin:queries_productview_stock", args=[obj.pk])))
        if user.has_perm("commands.delete_product"):
            url = reverse("admin:queries_productview_delete_product", args=[obj.pk])
            links.append(CommandLink("Delete", url, danger=True))
        return links

    def create_view(self, request: HttpRequest) -> HttpResponse:
        require_permissions(request, self, "commands.add_product")
        form = CreateProductForm(request.POST or None, request.FILES or None)
        return command_form_view(
            self,
            request,
            form=form,
            handler=products.create_product,
            arguments=form.command_arguments,
            refused=discard_stored_image,
            done=lambda: f"Product {form.cleaned_data['sku']} created.",
            page=CommandPage(title="Add product", submit_label="Create product"),
        )

    def edit_view(self, request: HttpRequest, product_id: uuid.UUID) -> HttpResponse:
        require_permissions(request, self, "commands.change_product")
        product = get_object_or_404(ProductView, pk=product_id)
        form = EditProductForm.for_row(product, request.POST or None, request.FILES or None)
        return command_form_view(
            self,
            request,
            form=form,
            handler=products.update_product,
            target={"product_id": product.pk},
            arguments=lambda: form.command_arguments(current_image=product.image),
            refused=discard_stored_image,
            done=lambda: f"Product {product.sku} saved.",
            page=CommandPage(
                title=f"Edit {product.sku}",
                submit_label="Save",
                original=product,
                intro=f"Current image: {product.image}"
                if product.image
                else "No image yet: the shop shows a placeholder.",
            ),
        )

    def adjust_stock_view(self, request: HttpRequest, product_id: uuid.UUID) -> HttpResponse:
        require_permissions(request, self, "commands.adjust_stock")
        product = get_object_or_404(ProductView, pk=product_id)
        form = AdjustStockForm(request.POST or None)
        return command_form_view(
            self,
            request,
            form=form,
            handler=products.adjust_stock,
            target={"product_id": product.pk},  # no expected_version: a delta is right whatever changed meanwhile
            done=lambda: f"Stock of {product.sku} adjusted by {form.cleaned_data['delta']:+d}.",
            page=CommandPage(
                title=f"Adjust stock of {product.sku}",
                submit_label="Adjust",
                original=product,
                intro=f"{product.sku} has {product.stock} in stock (as last projected).",
            ),
        )

    def delete_product_view(self, request: HttpRequest, product_id: uuid.UUID) -> HttpResponse:
        """The delete-product command; Django's own delete view stays closed (the row stays for its orders)."""
        require_permissions(request, self, "commands.delete_product")
        product = get_object_or_404(ProductView, pk=product_id)
        form = DeleteProductForm.for_row(product, request.POST or None)
        intro = (
            f"Take {product.sku} {product.name} out of the catalog? Customers can no longer order it; "
            "existing orders keep it."
        )
        return command_form_view(
            self,
            request,
            form=form,
            handler=products.delete_product,
            target={"product_id": product.pk},
            done=lambda: f"Product {product.sku} deleted.",
            page=CommandPage(
                title=f"Delete {product.sku}",
                submit_label="Yes, delete it",
                original=product,
                intro=intro,
                danger=True,
            ),
        )
