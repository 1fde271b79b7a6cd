"""A changed password ends every API session of its user: the storefront's and the admin's password forms.

A knox token is a bearer credential that works without the password, so whoever changes a password because
it leaked must not leave a thief holding a token. Tokens go through the ORM's delete, which sends the
`post_delete` signal every token cache listens to (never raw SQL).
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminPasswordChangeForm as AdminOwnPasswordChangeForm
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import AdminPasswordChangeForm, PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.db import transaction
from django.urls import reverse_lazy
from knox.models import AuthToken


def revoke_api_tokens(*, user: AbstractBaseUser) -> int:
    """Delete every API token of `user`; returns how many there were."""
    revoked, _ = AuthToken.objects.filter(user=user).delete()
    return revoked


class RevokesApiTokensOnSave:
    """For a password form: the new password and the end of the user's tokens commit together."""

    user: Any

    def save(self, commit: bool = True) -> Any:
        if not commit:
            return super().save(commit=False)  # type: ignore[misc]  # the form class this is mixed into
        with transaction.atomic():
            user = super().save(commit=True)  # type: ignore[misc]
            revoke_api_tokens(user=user)
        return user


class StorefrontPasswordChangeForm(RevokesApiTokensOnSave, PasswordChangeForm):
    """A customer changing their own password on the storefront."""


class UserPasswordChangeForm(RevokesApiTokensOnSave, AdminPasswordChangeForm):
    """Staff setting (or disabling) another user's password in the admin's user pages."""


class OwnAdminPasswordChangeForm(RevokesApiTokensOnSave, AdminOwnPasswordChangeForm):
    """Staff changing their own password from the admin's "Change password" link."""


class OwnAdminPasswordChangeView(PasswordChangeView):
    """The admin's own "Change password" page (AdminSite.password_change) with the form above.

    AdminSite hard-codes its form class, so config/urls.py routes the page's path here, ahead of the admin.
    """

    form_class = OwnAdminPasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("admin:password_change_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.request.current_app = admin.site.name
        return {**super().get_context_data(**kwargs), **admin.site.each_context(self.request)}
