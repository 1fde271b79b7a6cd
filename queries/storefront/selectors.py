"""Everything the storefront reads, and only from the read models."""

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404

from queries.api.filters import ProductFilter
from queries.models import OrderView, ProductView

PRODUCTS_PER_PAGE = 12
ORDERS_PER_PAGE = 20
# Each sort a shopper can pick; the id breaks ties so that pages never overlap.
PRODUCT_ORDERINGS = {
    "name": ("name", "id"),
    "price": ("price", "id"),
    "-price": ("-price", "id"),
    "newest": ("-created_at", "id"),
    "popular": ("-units_sold", "name", "id"),
}


def live_products() -> QuerySet[ProductView]:
    return ProductView.objects.filter(deleted=False)


def catalog_page(
    *,
    search: str = "",
    min_price: Any = None,
    max_price: Any = None,
    in_stock_only: bool = False,
    sort: str = "name",
    page_number: int | str = 1,
) -> Page:
    """One page of the catalog, filtered by the query API's own ProductFilter (same search semantics)."""
    data: dict[str, Any] = {"search": search}
    if min_price is not None:
        data["min_price"] = str(min_price)
    if max_price is not None:
        data["max_price"] = str(max_price)
    if in_stock_only:
        data["in_stock"] = "true"
    products = ProductFilter(data=data, queryset=live_products()).qs.order_by(*PRODUCT_ORDERINGS[sort])
    return Paginator(products, PRODUCTS_PER_PAGE).get_page(page_number)


def product_or_404(product_id: uuid.UUID) -> ProductView:
    product = live_products().filter(pk=product_id).first()
    if product is None:
        raise Http404("No such product.")
    return product


def products_by_id(product_ids: list[uuid.UUID]) -> dict[uuid.UUID, ProductView]:
    """Deleted products included: a cart must be able to say that one is no longer sold."""
    return {product.pk: product for product in ProductView.objects.filter(pk__in=product_ids)}


def orders_page(*, customer_id: uuid.UUID, page_number: int | str = 1) -> Page:
    orders = OrderView.objects.filter(customer_id=customer_id).order_by("-created_at", "id")
    return Paginator(orders, ORDERS_PER_PAGE).get_page(page_number)


def order_or_404(*, order_id: uuid.UUID, customer_id: uuid.UUID) -> OrderView:
    """Someone else's order is a 404, exactly like an unknown one: its existence is not disclosed."""
    order = OrderView.objects.filter(pk=order_id, customer_id=customer_id).first()
    if order is None:
        raise Http404("No such order.")
    return order


def order_lines(order: OrderView) -> list[dict[str, Any]]:
    """The order document's lines with money as decimals, so that pages show it in the reader's locale."""
    return [
        line | {"unit_price": Decimal(line["unit_price"]), "line_total": Decimal(line["line_total"])}
        for line in order.lines
    ]


@dataclass(frozen=True)
class CartLine:
    product_id: uuid.UUID
    quantity: int
    product: ProductView | None

    @property
    def available(self) -> bool:
        return self.product is not None and not self.product.deleted

    @property
    def enough_stock(self) -> bool:
        return self.product is not None and self.product.stock >= self.quantity

    @property
    def line_total(self) -> Any:
        return self.product.price * self.quantity if self.product is not None else None
