"""The rows of the side-by-side table: each endpoint of the app, and the baseline it is measured against."""

import json
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from benchmarks.shop_plan import MATERIALS, NOUNS
from benchmarks.wrk import Load

if TYPE_CHECKING:  # shop_seed needs Django set up; `--rows` is checked against ROW_KEYS before that
    from benchmarks.shop_seed import Seeded

HTTPS = ("X-Forwarded-Proto", "https")
JSON_BODY = ("Content-Type", "application/json")
# The keys of rows(), in order: what `make bench --rows` accepts.
ROW_KEYS = (
    *("ceiling", "product_detail", "products_list", "order_detail"),
    *("customers_by_spent", "product_search", "catalog_page", "create_order"),
)
# Two-word searches, each matching one product in a hundred (see PlannedProduct.noun).
SEARCHES = tuple(f"{material} {noun}" for material, noun in zip(MATERIALS, NOUNS, strict=True))


@dataclass(frozen=True)
class Row:
    key: str
    title: str
    app: Load
    baseline: Load | None = None
    baseline_title: str = ""
    writes: bool = False


def detail_paths(prefix: str, ids: list[str]) -> tuple[str, ...]:
    return tuple(f"{prefix}{pk}/" for pk in ids)


def order_bodies(seeded: "Seeded", count: int = 500) -> tuple[str, ...]:
    """One line of one unit each, random customer and product: contention as a real shop would see it."""
    rng = random.Random(7)
    return tuple(
        json.dumps(
            {
                "customer_id": rng.choice(seeded.customer_ids),
                "lines": [{"product_id": rng.choice(seeded.product_ids), "quantity": 1}],
            }
        )
        for _ in range(count)
    )


def rows(seeded: "Seeded", token: str) -> list[Row]:
    auth = (HTTPS, ("Authorization", f"Token {token}"))
    anonymous = (HTTPS,)
    searches = tuple(quote_plus(text) for text in SEARCHES)
    bodies = order_bodies(seeded)
    return [
        Row("ceiling", "minimal Django JSON view (the ceiling)", Load(("/bench/minimal/",), anonymous)),
        Row(
            "product_detail",
            "GET /api/v1/products/<id>/ anonymous",
            Load(detail_paths("/api/v1/products/", seeded.product_ids), anonymous),
        ),
        Row(
            "products_list", "GET /api/v1/products/?page_size=20", Load(("/api/v1/products/?page_size=20",), anonymous)
        ),
        Row(
            "order_detail",
            "GET /api/v1/orders/<id>/ with a token",
            Load(detail_paths("/api/v1/orders/", seeded.order_ids), auth),
            Load(detail_paths("/bench/naive/orders/", seeded.order_ids), auth),
            "DRF ModelSerializer over Order + Customer + OrderLine",
        ),
        Row(
            "customers_by_spent",
            "GET /api/v1/customers/?ordering=-total_spent&page_size=20",
            Load(("/api/v1/customers/?ordering=-total_spent&page_size=20",), auth),
            Load(("/bench/naive/customers/?page_size=20",), auth),
            "COUNT/SUM over the orders at query time",
        ),
        Row(
            "product_search",
            "GET /api/v1/products/?search=<two words>&page_size=20",
            Load(tuple(f"/api/v1/products/?search={text}&page_size=20" for text in searches), anonymous),
            Load(tuple(f"/bench/naive/products/?search={text}&page_size=20" for text in searches), anonymous),
            "icontains over name, description, sku",
        ),
        Row("catalog_page", "storefront catalog / anonymous", Load(("/",), anonymous)),
        Row(
            "create_order",
            "POST /api/v1/commands/create-order/ (one line)",
            Load(("/api/v1/commands/create-order/",), (*auth, JSON_BODY), "POST", bodies),
            Load(("/bench/plain/orders/",), (*auth, JSON_BODY), "POST", bodies),
            "plain view: the same order in one transaction",
            writes=True,
        ),
    ]
