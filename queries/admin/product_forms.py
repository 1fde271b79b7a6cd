"""Forms for the catalog commands; their shape rules are commands/rules.py's, as the command API's are."""

from decimal import Decimal
from typing import Any

from django import forms

from commands.rules import MAX_STOCK, SKU_MAX_LENGTH, SKU_RULE, sku_is_valid
from queries.admin.command_pages import VersionedForm
from queries.admin.product_images import ProductImageField, discard_product_image, store_product_image


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

    def command_arguments(self) -> dict[str, Any]:
        """The command names the image by its stored path, so an upload is stored first."""
        arguments = dict(self.cleaned_data)
        upload = arguments.pop("image")
        return {**arguments, "image": store_product_image(upload) if upload else ""}


class EditProductForm(VersionedForm):
    edits = ("name", "description", "price")
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10_000)
    price = forms.DecimalField(min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    image = ProductImageField(label="New image")
    remove_image = forms.BooleanField(required=False, help_text="Show the placeholder instead of the current image.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("image") and data.get("remove_image"):
            self.add_error("remove_image", "Either upload a new image or remove the current one, not both.")
        return data

    def command_arguments(self, *, current_image: str) -> dict[str, Any] | None:
        """Only what the staff member changed goes into the command (and so into the event); None: nothing."""
        changes = self.changed()
        if self.cleaned_data["remove_image"] and current_image:
            changes["image"] = ""
        if self.cleaned_data["image"]:
            changes["image"] = store_product_image(self.cleaned_data["image"])
        return {"expected_version": self.cleaned_data["expected_version"], **changes} if changes else None


def discard_stored_image(arguments: dict[str, Any]) -> None:
    """A refused command refers to no image: the one stored for it goes."""
    if arguments.get("image"):
        discard_product_image(arguments["image"])


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
