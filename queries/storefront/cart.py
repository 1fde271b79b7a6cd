"""The shopping cart lives in the session: product id → quantity, in the order products were added."""

import uuid
from decimal import Decimal

from django.contrib.sessions.backends.base import SessionBase

from commands.handlers.orders import LineInput
from queries.storefront.selectors import CartLine, products_by_id

SESSION_KEY = "cart"
# The create-order command's own limits: a cart that passes them never fails on shape.
MAX_QUANTITY = 1000
MAX_LINES = 100


class SessionCart:
    def __init__(self, session: SessionBase) -> None:
        self.session = session
        self.quantities: dict[str, int] = dict(session.get(SESSION_KEY, {}))

    def __len__(self) -> int:
        return len(self.quantities)

    def quantity_of(self, product_id: uuid.UUID) -> int:
        return self.quantities.get(str(product_id), 0)

    def is_full_for(self, product_id: uuid.UUID) -> bool:
        return str(product_id) not in self.quantities and len(self.quantities) >= MAX_LINES

    def set(self, product_id: uuid.UUID, quantity: int) -> None:
        self.quantities[str(product_id)] = min(quantity, MAX_QUANTITY)
        self._save()

    def remove(self, product_id: uuid.UUID) -> None:
        self.quantities.pop(str(product_id), None)
        self._save()

    def clear(self) -> None:
        self.quantities = {}
        self._save()

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

    def _save(self) -> None:
        self.session[SESSION_KEY] = self.quantities
        self.session.modified = True
