"""Throttles: sign-ups per client, failed log-ins and password-reset requests per client and per username/email.

All keyed on one client identity."""

import hashlib
import math
import time
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext_lazy
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from commands.credentials import normalize_email

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_ident(request: HttpRequest | Request) -> str:
    """REMOTE_ADDR, or the address the last NUM_PROXIES proxies saw in X-Forwarded-For (DRF's rule).

    NUM_PROXIES comes from the environment (default 0): left unset, DRF would take the header as sent,
    and every client could pick a fresh identity per request.
    """
    return BaseThrottle().get_ident(cast(Request, request)) or "unknown"


def throttle_rate(scope: str) -> tuple[int, int] | None:
    """(requests, seconds) of a scope in DEFAULT_THROTTLE_RATES, read per call so a changed setting applies."""
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
    if rate is None:
        return None
    count, period = str(rate).split("/")
    return int(count), PERIODS[period[0]]


class SignupThrottle(SimpleRateThrottle):
    """Anonymous sign-ups per client, through the API and the storefront alike (one counter)."""

    scope = "signup"

    def get_rate(self) -> str | None:
        # Looked up per request: DRF freezes THROTTLE_RATES at import, deaf to later settings changes.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return None if rate is None else str(rate)

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ident(request)}

    def allow_sign_up(self, request: HttpRequest | Request) -> bool:
        return self.allow_request(cast(Request, request), None)  # type: ignore[arg-type]  # a rate needs no view


class FailureWindow:
    """Failures of one client or username since its first failure, for the scope's period; on any Django cache."""

    def __init__(self, scope: str, ident: str, limit: int, seconds: int) -> None:
        self.limit, self.seconds = limit, seconds
        self.key = f"throttle_{scope}_{ident}"
        self.start_key = f"{self.key}_start"

    def count(self) -> int:
        return int(cache.get(self.key) or 0)  # a cache outage reads as 0: log-ins stay possible

    def add_one(self) -> None:
        cache.add(self.start_key, time.time(), self.seconds)
        if not cache.add(self.key, 1, self.seconds):
            try:
                cache.incr(self.key)  # keeps the expiry the first failure set
            except ValueError:  # expired between add and incr
                cache.set(self.key, 1, self.seconds)

    def clear(self) -> None:
        cache.delete_many([self.key, self.start_key])

    def remaining(self) -> int:
        now = time.time()
        start = float(cache.get(self.start_key) or now)
        return max(1, math.ceil(start + self.seconds - now))


class ClientAndNameWindows:
    """One FailureWindow per scope that has a rate: one for the client, one for the username or email typed."""

    client_scope: str
    name_scope: str

    def __init__(self, request: HttpRequest | Request, name: str) -> None:
        name_digest = hashlib.sha256(normalize_email(name).encode()).hexdigest()  # a safe cache key
        idents = {self.client_scope: client_ident(request), self.name_scope: name_digest}
        self.windows: dict[str, FailureWindow] = {}
        for scope, ident in idents.items():
            rate = throttle_rate(scope)
            if rate is not None:
                self.windows[scope] = FailureWindow(scope, ident, *rate)

    def wait(self) -> int | None:
        """Seconds until another try is allowed; None when it is allowed now."""
        waits = [window.remaining() for window in self.windows.values() if window.count() >= window.limit]
        return max(waits) if waits else None

    def count_one(self) -> None:
        for window in self.windows.values():
            window.add_one()


class LoginThrottle(ClientAndNameWindows):
    """Failed log-ins counted per client and per username (scopes "login_client", "login_username").

    Only failures count, and a success clears its username's count, so someone guessing from one
    client never locks out another user; a username under attack is refused before any password check.
    """

    client_scope, name_scope = "login_client", "login_username"

    def failed(self) -> None:
        self.count_one()

    def succeeded(self) -> None:
        if self.name_scope in self.windows:
            self.windows[self.name_scope].clear()


class PasswordResetThrottle(ClientAndNameWindows):
    """Reset requests per client and per email (scopes "password_reset_client", "password_reset_email").

    Every request counts, whether or not the email has an account, so being refused reveals nothing; the
    per-email limit stops anyone flooding one inbox, the per-client one stops walking through addresses.
    """

    client_scope, name_scope = "password_reset_client", "password_reset_email"


def try_again_in(message: "StrPromise", wait: float | None) -> str:
    """`message` (an ngettext_lazy counting "minutes") for a throttle that lets the client in after `wait` seconds."""
    return str(message % {"minutes": max(1, math.ceil((wait or 60) / 60))})


TOO_MANY_RESET_REQUESTS = ngettext_lazy(
    "Too many password reset requests. Try again in %(minutes)d minute.",
    "Too many password reset requests. Try again in %(minutes)d minutes.",
    "minutes",
)
TOO_MANY_LOG_INS = ngettext_lazy(
    "Too many failed log-ins. Try again in %(minutes)d minute.",
    "Too many failed log-ins. Try again in %(minutes)d minutes.",
    "minutes",
)


class ThrottledLogin(forms.Form):
    """Mixin for an AuthenticationForm: refuse with a form error while the client or username is throttled."""

    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if self.request is None or not username or not password:
            return super().clean() or self.cleaned_data
        throttle = LoginThrottle(self.request, username)
        wait = throttle.wait()
        if wait is not None:
            raise forms.ValidationError(try_again_in(TOO_MANY_LOG_INS, wait), code="throttled")
        try:
            cleaned = super().clean() or self.cleaned_data
        except forms.ValidationError:
            throttle.failed()
            raise
        throttle.succeeded()
        return cleaned


class ThrottledAdminLoginForm(ThrottledLogin, AdminAuthenticationForm):
    """The admin's log-in form, throttled like the storefront's and the token endpoint."""
