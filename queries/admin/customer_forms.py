"""Forms for the customer commands; their shape rules match the command API's."""

from typing import Any

from django import forms

from commands.api.countries import ISO_COUNTRIES
from commands.credentials import EmailAddressField
from commands.rules import ADDRESS_FIELDS, missing_address_fields
from queries.admin.command_pages import VersionedForm
from queries.models import CustomerView


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
