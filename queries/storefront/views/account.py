"""Account: sign up, log in and out, change or reset the password, update one's details."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from commands.errors import CommandRejected, RejectionCode, VersionConflict
from commands.handlers.customers import register_customer, update_customer_details
from config.throttles import TOO_MANY_RESET_REQUESTS, PasswordResetThrottle, SignupThrottle, try_again_in
from queries.models import CustomerView
from queries.storefront.forms import (
    AccountDetailsForm,
    EmailLoginForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignUpForm,
)
from queries.storefront.read_your_writes import (
    processing,
    reads_own_writes,
    remember_signup,
    signup_in_progress,
    url_after,
)

EMAIL_TAKEN = gettext_lazy("This email address is already registered.")


TOO_MANY_SIGN_UPS = ngettext_lazy(
    "Too many sign-ups from your network. Try again in %(minutes)d minute.",
    "Too many sign-ups from your network. Try again in %(minutes)d minutes.",
    "minutes",
)


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("storefront:account")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        throttle = SignupThrottle()  # the API's sign-up counter: one budget per client for both doors
        if not throttle.allow_sign_up(request):
            form.add_error(None, try_again_in(TOO_MANY_SIGN_UPS, throttle.wait()))
            return render(request, "storefront/account/signup.html", {"form": form}, status=429)
        try:
            result = register_customer.send(
                request.user,
                email=data["email"],
                name=data["name"],
                password=data["password1"],
            )
        except CommandRejected as refusal:
            if refusal.code != RejectionCode.EMAIL_TAKEN:
                raise
            form.add_error("email", EMAIL_TAKEN)
        else:
            user = authenticate(request, username=data["email"], password=data["password1"])
            login(request, user)
            remember_signup(request, result.position)
            messages.success(request, _("Welcome, %(name)s! Your account is ready.") % {"name": data["name"]})
            return redirect(url_after(reverse("storefront:account"), result.position))
    return render(request, "storefront/account/signup.html", {"form": form}, status=400 if form.errors else 200)


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    template_name = "storefront/account/login.html"
    extra_context = {"page_title": gettext_lazy("Log in")}
    redirect_authenticated_user = True
    next_page = "storefront:catalog"

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "throttled"):
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    next_page = "storefront:catalog"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You have been logged out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "storefront/account/password_change.html"
    extra_context = {"page_title": gettext_lazy("Change password")}
    success_url = reverse_lazy("storefront:account")

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


def reset_link_lifetime() -> str:
    """PASSWORD_RESET_TIMEOUT in words of the active language ("1 hour", "1 час")."""
    start = datetime(2000, 1, 1)  # noqa: DTZ001  # only the difference matters
    return timeuntil(start + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT), start)


class PasswordResetView(auth_views.PasswordResetView):
    """Mail a reset link; the next page reads the same whether or not the address has an account."""

    form_class = ResetRequestForm
    template_name = "storefront/account/password_reset.html"
    extra_context = {"page_title": gettext_lazy("Reset your password")}
    subject_template_name = "storefront/account/password_reset_subject.txt"
    email_template_name = "storefront/account/password_reset_email.txt"
    success_url = reverse_lazy("storefront:password-reset-sent")

    def form_valid(self, form: Any) -> HttpResponse:
        throttle = PasswordResetThrottle(self.request, form.cleaned_data["email"])
        wait = throttle.wait()
        if wait is not None:
            form.add_error(None, try_again_in(TOO_MANY_RESET_REQUESTS, wait))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        throttle.count_one()
        self.extra_email_context = {"valid_for": reset_link_lifetime()}
        return super().form_valid(form)  # mails in the active language: the one the customer asked in


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "storefront/account/password_reset_sent.html"
    extra_context = {"page_title": gettext_lazy("Check your email")}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "valid_for": reset_link_lifetime()}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link's page: a new password, which also ends the user's API tokens; a used or expired link is refused."""

    form_class = ResetPasswordForm
    template_name = "storefront/account/password_reset_confirm.html"
    success_url = reverse_lazy("storefront:password-reset-complete")

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and response.status_code == 200:
            response.status_code = 400  # the "link invalid or expired" page
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "storefront/account/password_reset_complete.html"
    extra_context = {"page_title": gettext_lazy("Password set")}


@login_required
@reads_own_writes("customers")
def account(request: HttpRequest) -> HttpResponse:
    customer = CustomerView.of_user(request.user)
    if customer is None:
        if signup_in_progress(request):
            return processing(request)
        return render(request, "storefront/account/no_customer.html", {"page_title": _("Your account")}, status=404)
    form = AccountDetailsForm(request.POST or None, initial=AccountDetailsForm.initial_for(customer))
    if request.method == "POST" and form.is_valid():
        changes = form.changes_from(customer)
        if not changes:
            messages.info(request, _("Nothing to change."))
            return redirect("storefront:account")
        try:
            result = update_customer_details.send(
                request.user,
                customer_id=customer.pk,
                expected_version=form.cleaned_data["version"],
                **changes,
            )
        except CommandRejected as refusal:
            if refusal.code != RejectionCode.EMAIL_TAKEN:
                raise
            form.add_error("email", EMAIL_TAKEN)
        except VersionConflict:
            messages.error(
                request, _("Your details were changed elsewhere meanwhile. Please review them and save again.")
            )
            return redirect("storefront:account")
        else:
            messages.success(request, _("Your details have been saved."))
            return redirect(url_after(reverse("storefront:account"), result.position))
    context = {"customer": customer, "form": form}
    return render(request, "storefront/account/account.html", context, status=400 if form.errors else 200)
