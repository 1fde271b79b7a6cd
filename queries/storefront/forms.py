"""Storefront forms: they check shape; business rules are the command handlers' to enforce."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from commands.api.countries import ISO_COUNTRIES
from commands.credentials import EmailAddressField, validate_new_password
from commands.rules import ADDRESS_FIELDS, MAX_LINE_QUANTITY, missing_address_fields
from config.throttles import ThrottledLogin
from queries.models import CustomerView
from queries.storefront.selectors import PRODUCT_ORDERINGS

SORT_LABELS = {
    "name": _("Name, A to Z"),
    "price": _("Price: low to high"),
    "-price": _("Price: high to low"),
    "newest": _("Newest"),
    "popular": _("Best selling"),
}


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    min_price = forms.DecimalField(label=_("Min. price"), required=False, min_value=0, decimal_places=2)
    max_price = forms.DecimalField(label=_("Max. price"), required=False, min_value=0, decimal_places=2)
    in_stock = forms.BooleanField(label=_("In stock only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=list(SORT_LABELS.items()))

    def clean_sort(self) -> str:
        sort = self.cleaned_data.get("sort") or "name"
        return sort if sort in PRODUCT_ORDERINGS else "name"


class AddToCartForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_LINE_QUANTITY, initial=1)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class CartQuantityForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_LINE_QUANTITY)


class DeliveryAddressForm(forms.Form):
    """Where this one order goes: pre-filled from the account, changed here without changing the account."""

    line1 = forms.CharField(label=_("Address"), max_length=200)
    line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    country = forms.CharField(
        label=_("Country code"), min_length=2, max_length=2, help_text=_("Two letters, e.g. DE or RU.")
    )

    prefix = "delivery"

    @classmethod
    def initial_for(cls, customer: CustomerView | None) -> dict[str, str]:
        address = (customer.address if customer else None) or {}
        return {field: address.get(field, "") for field in ADDRESS_FIELDS}

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if country not in ISO_COUNTRIES:
            raise forms.ValidationError(_("Not a known two-letter country code."))
        return country

    def address(self) -> dict[str, str]:
        return {field: self.cleaned_data.get(field, "") for field in ADDRESS_FIELDS}


class CardPaymentForm(forms.Form):
    """The card number only: the sandbox gateway needs no more, and a real one would take its own hosted form."""

    card_number = forms.CharField(
        label=_("Card number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
        help_text=_("Test cards: 4242 4242 4242 4242 is accepted, 4000 0000 0000 0002 declined."),
    )
    attempt = forms.UUIDField(widget=forms.HiddenInput)

    def clean_card_number(self) -> str:
        digits = "".join(character for character in self.cleaned_data["card_number"] if character not in " -")
        if not digits.isdigit() or not 12 <= len(digits) <= 19:
            raise forms.ValidationError(_("Enter the 12 to 19 digits of the card number."))
        return digits


class EmailLoginForm(ThrottledLogin, AuthenticationForm):
    """Log in with the email address: the username of a customer's login is the normalized email."""

    username = EmailAddressField(logs_in=True, label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True}))


class ResetRequestForm(PasswordResetForm):
    """Ask for a reset link by email; the address is matched in its normal form, like a log-in."""

    email = EmailAddressField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )


class ResetPasswordForm(SetPasswordForm):
    """The new password from a reset link (it ends the user's API tokens: config/token_revocation.py)."""


class SignUpForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200)
    email = EmailAddressField(logs_in=True, label=_("Email"))
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, confirmation = data.get("password1"), data.get("password2")
        if password and confirmation and password != confirmation:
            self.add_error("password2", _("The two passwords do not match."))
        elif password:
            try:
                validate_new_password(password, email=data.get("email", ""), name=data.get("name", ""))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class AccountDetailsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(label=_("Full name"), max_length=200)
    email = EmailAddressField(logs_in=True, label=_("Email"))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = forms.CharField(
        label=_("Country code"),
        min_length=2,
        max_length=2,
        required=False,
        help_text=_("Two letters, e.g. DE or RU."),
    )
    language = forms.ChoiceField(
        label=_("Language of our emails"), choices=settings.LANGUAGES, required=False, initial="en"
    )

    @classmethod
    def initial_for(cls, customer: CustomerView) -> dict[str, Any]:
        address = customer.address or {}
        initial = {"version": customer.version, "name": customer.name, "email": customer.email, "phone": customer.phone}
        initial["language"] = customer.language
        return initial | {field: address.get(field, "") for field in ADDRESS_FIELDS}

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if country and country not in ISO_COUNTRIES:
            raise forms.ValidationError(_("Not a known two-letter country code."))
        return country

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field in missing_address_fields(data):
            if field not in self.errors:
                self.add_error(field, _("Needed for a complete address."))
        return data

    def address(self) -> dict[str, str] | None:
        data = self.cleaned_data
        if not any(data.get(field) for field in ADDRESS_FIELDS):
            return None
        return {field: data.get(field, "") for field in ADDRESS_FIELDS}

    def changes_from(self, customer: CustomerView) -> dict[str, Any]:
        """Only what differs from the customer's current details: the command records exactly that."""
        data = self.cleaned_data
        changes: dict[str, Any] = {
            field: data[field] for field in ("name", "email", "phone") if data[field] != getattr(customer, field)
        }
        if data.get("language") and data["language"] != customer.language:
            changes["language"] = data["language"]
        if self.address() != (customer.address or None):
            changes["address"] = self.address()
        return changes
