"""Products: the catalog read model to browse, and the catalog commands to act on it."""

import uuid

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse

from commands.errors import CommandError, CommandRejected, RejectionCode
from commands.handlers import products
from commands.handlers.recording import CommandResult
from queries.admin.command_pages import render_command_form, require_permissions
from queries.admin.command_runner import refusal_message, saved_message, send_command, wait_until_projected
from queries.admin.product_forms import AdjustStockForm, CreateProductForm, DeleteProductForm, EditProductForm
from queries.admin.product_images import discard_product_image, store_product_image
from queries.admin.read_only import CommandLink, ReadModelAdmin, admin_url
from queries.models import ProductView

PROJECTIONS = ("catalog",)


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
        "id",
        "sku",
        "name",
        "description",
        "price",
        "currency",
        "stock",
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
            path("<uuid:product_id>/discontinue/", view(self.discontinue_view), name="queries_productview_discontinue"),
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
            url = reverse("admin:queries_productview_discontinue", args=[obj.pk])
            links.append(CommandLink("Delete", url, danger=True))
        return links

    def after_command(self, request: HttpRequest, result: CommandResult, done: str) -> HttpResponseRedirect:
        projected = wait_until_projected(result.position, PROJECTIONS)
        messages.success(request, saved_message(done, projected=projected))
        if projected or ProductView.objects.filter(pk=result.aggregate_id).exists():
            return HttpResponseRedirect(admin_url(ProductView, result.aggregate_id))
        return HttpResponseRedirect(reverse("admin:queries_productview_changelist"))

    def create_view(self, request: HttpRequest) -> HttpResponse:
        require_permissions(request, self, "commands.add_product")
        form = CreateProductForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            arguments = dict(form.cleaned_data)
            upload = arguments.pop("image")
            image = store_product_image(upload) if upload else ""
            try:
                result = send_command(
                    products.create_product, request=request, command="create-product", image=image, **arguments
                )
            except CommandRejected as error:
                if image:
                    discard_product_image(image)
                form.add_error("sku" if error.code == RejectionCode.SKU_TAKEN else None, error.detail)
            else:
                return self.after_command(request, result, f"Product {form.cleaned_data['sku']} created.")
        return render_command_form(request, self, form=form, title="Add product", submit_label="Create product")

    def edit_view(self, request: HttpRequest, product_id: uuid.UUID) -> HttpResponse:
        require_permissions(request, self, "commands.change_product")
        product = get_object_or_404(ProductView, pk=product_id)
        form = EditProductForm.for_product(product, request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            changes = form.changes()
            if form.cleaned_data["remove_image"] and product.image:
                changes["image"] = ""
            if not changes and not form.cleaned_data["image"]:
                messages.info(request, "Nothing changed.")
                return HttpResponseRedirect(admin_url(ProductView, product.pk))
            if form.cleaned_data["image"]:
                changes["image"] = store_product_image(form.cleaned_data["image"])
            try:
                result = send_command(
                    products.update_product,
                    request=request,
                    command="update-product",
                    product_id=product.pk,
                    expected_version=form.cleaned_data["expected_version"],
                    **changes,
                )
            except CommandError as error:
                if changes.get("image"):
                    discard_product_image(changes["image"])
                form.add_error(None, refusal_message(error, label="product"))
            else:
                return self.after_command(request, result, f"Product {product.sku} saved.")
        return render_command_form(
            request,
            self,
            form=form,
            title=f"Edit {product.sku}",
            submit_label="Save",
            original=product,
            intro=f"Current image: {product.image}" if product.image else "No image yet: the shop shows a placeholder.",
        )

    def adjust_stock_view(self, request: HttpRequest, product_id: uuid.UUID) -> HttpResponse:
        require_permissions(request, self, "commands.adjust_stock")
        product = get_object_or_404(ProductView, pk=product_id)
        form = AdjustStockForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                # No expected_version: a delta is right whatever else changed meanwhile.
                result = send_command(
                    products.adjust_stock,
                    request=request,
                    command="adjust-stock",
                    product_id=product.pk,
                    **form.cleaned_data,
                )
            except CommandError as error:
                form.add_error(None, refusal_message(error, label="product"))
            else:
                return self.after_command(
                    request, result, f"Stock of {product.sku} adjusted by {form.cleaned_data['delta']:+d}."
                )
        intro = f"{product.sku} has {product.stock} in stock (as last projected)."
        return render_command_form(
            request,
            self,
            form=form,
            title=f"Adjust stock of {product.sku}",
            submit_label="Adjust",
            original=product,
            intro=intro,
        )

    def discontinue_view(self, request: HttpRequest, product_id: uuid.UUID) -> HttpResponse:
        """Deleting a product is a command (it is discontinued); Django's own delete view stays closed."""
        require_permissions(request, self, "commands.delete_product")
        product = get_object_or_404(ProductView, pk=product_id)
        form = DeleteProductForm(request.POST or None, initial={"expected_version": product.version})
        if request.method == "POST" and form.is_valid():
            try:
                result = send_command(
                    products.delete_product,
                    request=request,
                    command="delete-product",
                    product_id=product.pk,
                    expected_version=form.cleaned_data["expected_version"],
                )
            except CommandError as error:
                form.add_error(None, refusal_message(error, label="product"))
            else:
                return self.after_command(request, result, f"Product {product.sku} deleted.")
        intro = (
            f"Take {product.sku} {product.name} out of the catalog? Customers can no longer order it; "
            "existing orders keep it."
        )
        return render_command_form(
            request,
            self,
            form=form,
            title=f"Delete {product.sku}",
            submit_label="Yes, delete it",
            original=product,
            intro=intro,
            danger=True,
        )
