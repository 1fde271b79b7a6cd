"""Forms for the catalog commands; their shape rules match the command API's."""

from decimal import Decimal
from typing import Any

from django import forms

from commands.rules import MAX_STOCK, SKU_MAX_LENGTH, SKU_RULE, sku_is_valid
from queries.admin.product_images import ProductImageField
from queries.models import ProductView


class CreateProductForm(forms.Form):
    sku = forms.CharField(max_length=SKU_MAX_LENGTH, label="SKU", help_text=SKU_RULE)
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10_000)
    price = forms.DecimalField(min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    stock = forms.IntegerField(min_value=0, max_value=MAX_STOCK, initial=0, help_text="Units on hand.")
    image = ProductImageField()

    def clean_sku(self) -> str:
        sku: str = self.cleaned_data["sku"]
        if not sku_is_valid(sku):
            raise forms.ValidationError(SKU_RULE)
        return sku


class VersionedForm(forms.Form):
    """Carries the version the staff member saw, so a concurrent change is refused, not overwritten."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class EditProductForm(VersionedForm):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10_000)
    price = forms.DecimalField(min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    image = ProductImageField(label="New image")
    remove_image = forms.BooleanField(required=False, help_text="Show the placeholder instead of the current image.")

    @classmethod
    def for_product(cls, product: ProductView, data: Any = None, files: Any = None) -> "EditProductForm":
        initial = {
            "name": product.name,
            "description": product.description,
            "price": product.price,
            "expected_version": product.version,
        }
        return cls(data, files, initial=initial)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("image") and data.get("remove_image"):
            self.add_error("remove_image", "Either upload a new image or remove the current one, not both.")
        return data

    def changes(self) -> dict[str, Any]:
        """Only what the staff member changed goes into the command (and so into the event)."""
        fields = ("name", "description", "price")  # the image is stored first, then named by the view
        return {field: self.cleaned_data[field] for field in fields if field in self.changed_data}


class AdjustStockForm(forms.Form):
    delta = forms.IntegerField(
        min_value=-MAX_STOCK,
        max_value=MAX_STOCK,
        label="Change by",
        help_text="Units to add (e.g. 20) or remove (e.g. -3).",
    )
    reason = forms.CharField(max_length=500, required=False, help_text="e.g. delivery, stocktake, breakage")

    def clean_delta(self) -> int:
        delta: int = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError("Must not be zero.")
        return delta


class DeleteProductForm(VersionedForm):
    pass
