"""Forms for the customer commands; their shape rules match the command API's."""

import uuid
from typing import Any

from django import forms

from commands.api.countries import ISO_COUNTRIES
from commands.credentials import EmailAddressField
from commands.rules import ADDRESS_FIELDS, MAX_LINE_QUANTITY, missing_address_fields
from queries.admin.command_pages import VersionedForm
from queries.models import CustomerView, ProductView

ORDER_FORM_ROWS = 5  # a phoned-in order is short; more lines: place a second order


class CustomerDetailsForm(forms.Form):
    email = EmailAddressField()
    name = forms.CharField(max_length=200)
    phone = forms.CharField(max_length=40, required=False)
    line1 = forms.CharField(max_length=200, required=False, label="Address line 1")
    line2 = forms.CharField(max_length=200, required=False, label="Address line 2")
    city = forms.CharField(max_length=100, required=False)
    postal_code = forms.CharField(max_length=20, required=False)
    country = forms.CharField(min_length=2, max_length=2, required=False, help_text="ISO 3166-1 alpha-2 code, e.g. DE")

    def clean_country(self) -> str:
        country: str = self.cleaned_data["country"].upper()
        if country and country not in ISO_COUNTRIES:
            raise forms.ValidationError("Not an ISO 3166-1 alpha-2 country code.")
        return country

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for field in missing_address_fields(cleaned):
            if field not in self.errors:
                self.add_error(field, "Needed for an address (leave every address field empty for none).")
        return cleaned

    def address(self) -> dict[str, str] | None:
        if not self.cleaned_data.get("line1"):
            return None
        return {field: self.cleaned_data[field] for field in ADDRESS_FIELDS}


class RegisterCustomerForm(CustomerDetailsForm):
    def command_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"email": data["email"], "name": data["name"], "phone": data["phone"], "address": self.address()}


class UpdateCustomerForm(CustomerDetailsForm, VersionedForm):
    edits = ("email", "name", "phone")

    @classmethod
    def for_customer(cls, customer: CustomerView, data: Any = None) -> "UpdateCustomerForm":
        address = customer.address or {}
        return cls.for_row(customer, data, **{field: address.get(field, "") for field in ADDRESS_FIELDS})

    def command_arguments(self) -> dict[str, Any] | None:
        """Only what the staff member changed (None: nothing); the address goes as a whole (or None to remove it)."""
        changes = self.changed()
        if any(field in self.changed_data for field in ADDRESS_FIELDS):
            changes["address"] = self.address()
        return {"expected_version": self.cleaned_data["expected_version"], **changes} if changes else None


class PlaceOrderForm(forms.Form):
    """Up to ORDER_FORM_ROWS (product, quantity) rows; the create-order handler decides stock and availability."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        on_sale = ProductView.objects.filter(deleted=False).order_by("name")
        choices = [("", "---------")] + [
            (
                str(product.pk),
                f"{product.name} ({product.sku}), {product.price} {product.currency}, {product.stock} in stock",
            )
            for product in on_sale
        ]
        for row in range(1, ORDER_FORM_ROWS + 1):
            self.fields[f"product_{row}"] = forms.ChoiceField(label=f"Product {row}", choices=choices, required=False)
            self.fields[f"quantity_{row}"] = forms.IntegerField(
                label=f"Quantity {row}", min_value=1, max_value=MAX_LINE_QUANTITY, required=False
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        seen: set[str] = set()
        for row in range(1, ORDER_FORM_ROWS + 1):
            product, quantity = cleaned.get(f"product_{row}"), cleaned.get(f"quantity_{row}")
            if product and not quantity and f"quantity_{row}" not in self.errors:
                self.add_error(f"quantity_{row}", "How many?")
            if quantity and not product:
                self.add_error(f"product_{row}", "Pick a product for this quantity.")
            if product and product in seen:
                self.add_error(f"product_{row}", "This product is on an earlier row already; add up its quantities.")
            if product:
                seen.add(product)
        if not seen and not self.errors:
            raise forms.ValidationError("Pick at least one product.")
        return cleaned

    def lines(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {"product_id": uuid.UUID(data[f"product_{row}"]), "quantity": data[f"quantity_{row}"]}
            for row in range(1, ORDER_FORM_ROWS + 1)
            if data.get(f"product_{row}")
        ]

    def row_of(self, product_id: Any) -> int | None:
        return next(
            (
                row
                for row in range(1, ORDER_FORM_ROWS + 1)
                if self.cleaned_data.get(f"product_{row}") == str(product_id)
            ),
            None,
        )
