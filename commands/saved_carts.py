"""A logged-in customer's cart, kept server-side in a small table on the write database.

Which and why: a table, not the cache. A cart is user state, like the session and the login, so it lives
beside them on the write database; the cache may evict it, is per process under `make run` and forgets
everything while Redis is away, and a customer expects a cart to be there next week. It is not domain
state: no command validates it, nothing reads it for a report, so it writes no events and is not a read
model (a rebuild neither needs nor touches it). The session keeps the working copy that pages read, so
pages never query this table; it is read when a customer logs in and written whenever their cart changes.
"""

from collections.abc import Callable

from django.db import transaction

from commands.models import SavedCart

Quantities = dict[str, int]


def load_saved_cart(*, user_id: int) -> Quantities | None:
    """The user's saved cart; None when they have never had one saved."""
    saved = SavedCart.objects.filter(user_id=user_id).values_list("lines", flat=True).first()
    return None if saved is None else dict(saved)


def change_saved_cart(
    *, user_id: int, change: Callable[[Quantities], Quantities], start: Quantities | None = None
) -> Quantities:
    """Apply `change` to the saved cart under its row lock, so two devices changing it at once both count.

    `start` is the cart to begin from when none is saved yet (a session from before carts were saved).
    """
    with transaction.atomic(using="default"):
        SavedCart.objects.bulk_create(
            [SavedCart(user_id=user_id, lines=list((start or {}).items()))], ignore_conflicts=True
        )
        saved = SavedCart.objects.select_for_update().get(user_id=user_id)
        quantities = change(dict(saved.lines))
        saved.lines = list(quantities.items())
        saved.save(update_fields=["lines", "updated_at"])
    return quantities
