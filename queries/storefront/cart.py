"""The shopping cart: the session holds the working copy every page reads; a customer's is also kept saved.

Anonymous shoppers have only the session. Once logged in, every change goes through the saved cart
(commands/saved_carts.py) and the session mirrors it, so the cart survives a log-out and follows the
customer to another device; logging in merges the anonymous cart into the saved one.
"""

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from commands.handlers.orders import LineInput
from commands.rules import MAX_LINE_QUANTITY, MAX_ORDER_LINES
from commands.saved_carts import Quantities, change_saved_cart, load_saved_cart
from queries.storefront.selectors import CartLine, products_by_id

SESSION_KEY = "cart"


def merged(saved: Quantities, anonymous: Quantities) -> Quantities:
    """The saved cart plus the anonymous one: quantities add, each capped, new lines while there is room."""
    result = dict(saved)
    for key, quantity in anonymous.items():
        if key in result:
            result[key] = min(result[key] + quantity, MAX_LINE_QUANTITY)
        elif len(result) < MAX_ORDER_LINES:
            result[key] = min(quantity, MAX_LINE_QUANTITY)
    return result


class Cart:
    def __init__(self, request: HttpRequest, *, fresh: bool = False) -> None:
        """`fresh`: start from the saved cart (before a change or a checkout), not the session's copy."""
        self.session = request.session
        self.user_id: int | None = request.user.pk if request.user.is_authenticated else None
        self.quantities: Quantities = dict(self.session.get(SESSION_KEY, {}))
        saved = load_saved_cart(user_id=self.user_id) if fresh and self.user_id is not None else None
        if saved is not None:
            self.quantities = saved
            self._mirror()

    def __len__(self) -> int:
        return len(self.quantities)

    def quantity_of(self, product_id: uuid.UUID) -> int:
        return self.quantities.get(str(product_id), 0)

    def is_full_for(self, product_id: uuid.UUID) -> bool:
        return str(product_id) not in self.quantities and len(self.quantities) >= MAX_ORDER_LINES

    def set(self, product_id: uuid.UUID, quantity: int) -> None:
        self._change(lambda quantities: {**quantities, str(product_id): min(quantity, MAX_LINE_QUANTITY)})

    def remove(self, product_id: uuid.UUID) -> None:
        self._change(lambda quantities: {key: n for key, n in quantities.items() if key != str(product_id)})

    def clear(self) -> None:
        self._change(lambda quantities: {})

    def lines(self) -> list[CartLine]:
        ids = [uuid.UUID(key) for key in self.quantities]
        products = products_by_id(ids)
        return [
            CartLine(product_id=product_id, quantity=self.quantities[str(product_id)], product=products.get(product_id))
            for product_id in ids
        ]

    def order_lines(self) -> list[LineInput]:
        """The create-order command's `lines`."""
        return [LineInput(product_id=uuid.UUID(key), quantity=quantity) for key, quantity in self.quantities.items()]

    @staticmethod
    def total(lines: list[CartLine]) -> Decimal:
        return sum((line.line_total for line in lines if line.available), Decimal(0))

    def _change(self, change: Callable[[Quantities], Quantities]) -> None:
        if self.user_id is None:
            self.quantities = change(self.quantities)
        else:
            self.quantities = change_saved_cart(user_id=self.user_id, change=change, start=self.quantities)
        self._mirror()

    def _mirror(self) -> None:
        self.session[SESSION_KEY] = self.quantities
        self.session.modified = True


@receiver(user_logged_in, dispatch_uid="storefront-cart-merge")
def merge_cart_on_log_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """The anonymous cart joins the saved one, and the session gets the result.

    Only for a browser log-in with a session: the token endpoint sends this signal with DRF's request.
    """
    if not isinstance(request, HttpRequest) or not hasattr(request, "session"):
        return
    anonymous = dict(request.session.get(SESSION_KEY, {}))
    if anonymous:
        quantities = change_saved_cart(user_id=user.pk, change=lambda saved: merged(saved, anonymous))
    else:
        quantities = load_saved_cart(user_id=user.pk) or {}  # a staff log-in with no cart writes nothing
    if quantities:
        request.session[SESSION_KEY] = quantities
