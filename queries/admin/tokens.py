"""Integrator API tokens (knox): staff create one for a user, see it once, and revoke it.

Setting a user's password anywhere also revokes their tokens (config/token_revocation.py).
"""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import knox_settings

EXPIRY_CHOICES = [
    ("default", "Default lifetime"),
    ("30", "30 days"),
    ("365", "1 year"),
    ("never", "Never (until revoked)"),
]


class CreateTokenForm(forms.Form):
    # A username, not a drop-down: every customer with a login is a user too.
    username = forms.CharField(max_length=150, help_text="The user the integrator acts as (and with whose rights).")
    lifetime = forms.ChoiceField(choices=EXPIRY_CHOICES, initial="default")

    def clean_username(self) -> Any:
        username = self.cleaned_data["username"]
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError("No active user has this username.")
        return user

    def expiry(self) -> timedelta | None:
        lifetime = self.cleaned_data["lifetime"]
        if lifetime == "never":
            return None
        if lifetime == "default":
            return knox_settings.TOKEN_TTL
        return timedelta(days=int(lifetime))


admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class IntegratorTokenAdmin(admin.ModelAdmin):
    list_display = ("token_key", "user", "created", "expiry", "state")
    list_select_related = ("user",)
    search_fields = ("token_key", "user__username")
    ordering = ("-created",)
    fields = ("token_key", "user", "created", "expiry")
    actions = ["revoke_tokens"]

    @admin.display(description="state")
    def state(self, token: AuthToken) -> str:
        return "expired" if token.expiry is not None and token.expiry <= timezone.now() else "active"

    def has_change_permission(self, request: HttpRequest, obj: AuthToken | None = None) -> bool:
        return False  # a token is created or revoked, never edited

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "revoke" says what deleting a token means
        return actions

    @admin.action(description="Revoke selected tokens", permissions=["delete"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[AuthToken]) -> None:
        self.log_deletions(request, queryset)
        revoked, _ = queryset.delete()
        messages.success(request, f"{revoked} token(s) revoked; requests with them are refused from now on.")

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CreateTokenForm(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Create API token",
            "submit_label": "Create token",
        }
        if request.method == "POST" and form.is_valid():
            token, secret = AuthToken.objects.create(user=form.cleaned_data["username"], expiry=form.expiry())
            self.log_addition(request, token, "Created from the admin.")
            # Shown in this response only: knox keeps just a hash, and a message would sit in a cookie.
            response = TemplateResponse(
                request, "admin/knox/token_created.html", {**context, "token": token, "secret": secret}
            )
            response["Cache-Control"] = "no-store"
            return response
        return TemplateResponse(request, "admin/knox/create_token.html", {**context, "form": form})
