"""Who may send which command (docs/api.md, column "who"; the README's permission model).

"Staff" means a user holding the command's own Django permission, exactly as the admin checks it:
`is_staff` only lets a user log in to the admin and grants nothing here; superusers hold every permission.
`before` runs ahead of body validation (so an outsider learns nothing about the body's shape);
`after` sees the validated body and returns extra keyword arguments for the handler.
"""

import uuid
from typing import Any

from rest_framework.exceptions import NotAuthenticated, PermissionDenied, Throttled
from rest_framework.request import Request

from commands.errors import AggregateNotFound
from commands.models import Customer
from config.throttles import SignupThrottle


def customer_of(request: Request) -> uuid.UUID | None:
    if not request.user.is_authenticated:
        return None
    return Customer.objects.filter(user=request.user).values_list("pk", flat=True).first()


class CommandPolicy:
    def __init__(self, permission: str) -> None:
        self.permission = permission

    def is_permitted(self, request: Request) -> bool:
        """Whether the user holds this command's permission (directly, through a group, or as superuser)."""
        user = request.user
        return bool(user.is_authenticated and user.has_perm(self.permission))

    def before(self, request: Request) -> None:
        if not request.user.is_authenticated:
            raise NotAuthenticated()

    def after(self, request: Request, data: dict[str, Any]) -> dict[str, Any]:
        return {}


class StaffOnly(CommandPolicy):
    def before(self, request: Request) -> None:
        super().before(request)
        if not self.is_permitted(request):
            raise PermissionDenied("You do not have permission to send this command.")


class StaffOrCustomer(CommandPolicy):
    def before(self, request: Request) -> None:
        super().before(request)
        if not self.is_permitted(request) and customer_of(request) is None:
            raise PermissionDenied("Only a customer or a user with this command's permission may send it.")


class StaffOrCustomerThemself(StaffOrCustomer):
    """`hide_others`: answer 404, not 403, when a customer names another customer as the target."""

    def __init__(self, permission: str, *, hide_others: bool) -> None:
        super().__init__(permission)
        self.hide_others = hide_others

    def after(self, request: Request, data: dict[str, Any]) -> dict[str, Any]:
        if self.is_permitted(request) or customer_of(request) == data["customer_id"]:
            return {}
        if self.hide_others:
            raise AggregateNotFound("customer")
        raise PermissionDenied("You may act only for your own customer account.")


class StaffOrOrderOwner(StaffOrCustomer):
    """The handler checks ownership and state under the order's row lock."""

    def after(self, request: Request, data: dict[str, Any]) -> dict[str, Any]:
        return {} if self.is_permitted(request) else {"as_customer": customer_of(request)}


class StaffOrSelfSignup(CommandPolicy):
    def before(self, request: Request) -> None:
        if request.user.is_authenticated and not self.is_permitted(request):
            raise PermissionDenied("You do not have permission to register customers for others.")

    def after(self, request: Request, data: dict[str, Any]) -> dict[str, Any]:
        if self.is_permitted(request):
            return {}
        if not data.get("password"):
            raise NotAuthenticated("Sign-up without the permission to register customers needs a password.")
        throttle = SignupThrottle()
        if not throttle.allow_sign_up(request):
            raise Throttled(throttle.wait())
        return {}
