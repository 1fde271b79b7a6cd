"""The hot read path: plain GETs of a product, the first catalog page and an order, answered without DRF.

Why: once a read was one statement, what was left of a product detail (1.5 ms in-process against 0.27 ms
for the bench's minimal Django view) was DRF's dispatch (Request, authenticators, content negotiation,
Response rendering) and the ORM compiling the same queryset on every request; neither depends on the row.
Here one fixed SQL statement (the rows, the read position and the held check: progress.snapshot_sql)
runs on the read database and the body is rendered by DRF's own JSONRenderer from the documents the
viewsets write (documents.py), so the bytes are the same by construction. Anonymous product reads keep the
finished body in the body cache (hot_cache.py, which says why that is exact): once kept, a read is one tiny
statement (the snapshot: read position, held check, generation) and a dict lookup.

Only the plain, common requests are answered here: GET, no X-Min-Position, an Accept DRF answers with
compact JSON, no query parameter but `page_size` on the list (and `search`, when the viewset's answer
is in the response cache at this read position), no session cookie and no token on the catalog, a token
found by the token cache on an order. Everything else (HEAD, OPTIONS, other parameters,
cursors, bad input, 401, 404, empty pages) returns None and the viewset answers it, so the contract's
edge cases live in one place. tests/queries/test_hot_reads.py holds both paths' answers byte-identical.
PostgreSQL only (its prepared statements, prepared.py, are the point): on SQLite, `make run`'s embedded default, the
viewsets answer everything.
"""

import uuid
from collections.abc import Callable
from functools import cache, wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import connections, router
from django.db.models import Model
from django.db.models.base import ModelState
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.renderers import JSONRenderer

from config.token_auth import TokenAuthentication
from projections import progress, segments
from queries import response_cache
from queries.api import hot_cache
from queries.api.caching import conditional_answer
from queries.api.documents import order_document, product_document
from queries.api.hot_cache import Body, Snapshot
from queries.api.pagination import ReadModelPagination
from queries.api.prepared import prepared_cursor
from queries.api.snapshots import SNAPSHOT_COLUMNS, read_snapshot, snapshot_of, snapshot_params, snapshot_sql
from queries.api.views import OrderViewSet, ProductViewSet, may_view_every_row
from queries.models import CustomerView, OrderView, ProductView

HotView = Callable[..., HttpResponseBase | None]
# The Accept values DRF's negotiation answers with its first renderer (JSON, compact); others go to DRF.
PLAIN_ACCEPT = frozenset({None, "*/*", "application/json"})
ALLOW = "GET, HEAD, OPTIONS"  # what a read-only viewset route allows (DRF's Allow header)
SqlFor = Callable[[int], str]  # the statement for so many checkpoint units (snapshot_sql)
RENDERER = JSONRenderer()


def in_front_of(viewset_view: Callable[..., HttpResponseBase], hot: HotView) -> Callable[..., HttpResponseBase]:
    """`viewset_view`'s URL answered by `hot` when it can, by the viewset otherwise.

    The wrapper carries the viewset view's attributes (cls, actions, initkwargs, csrf_exempt), so the OpenAPI
    schema, URL names and middleware see the same view.
    """

    @wraps(viewset_view)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        answer = hot(request, *args, **kwargs) if is_plain(request) else None
        return viewset_view(request, *args, **kwargs) if answer is None else answer

    return view


def is_plain(request: HttpRequest) -> bool:
    meta = request.META
    return (
        request.method == "GET"
        and getattr(settings, "HOT_READS", True)
        and connections["read"].vendor == "postgresql"
        and "HTTP_X_MIN_POSITION" not in meta
        and meta.get("HTTP_ACCEPT") in PLAIN_ACCEPT
    )


def anonymous(request: HttpRequest) -> bool:
    """No credentials at all: DRF's authenticators would find none (and the session is read, as theirs reads it)."""
    if "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    # Without a session cookie the user is anonymous; DRF's session lookup would still read the (empty)
    # session, which makes SessionMiddleware add Vary: Cookie. Marked here without building the user.
    request.session.accessed = True
    return True


def product_detail(request: HttpRequest, pk: str) -> HttpResponseBase | None:
    if request.META.get("QUERY_STRING") or not anonymous(request):
        return None
    try:
        product_id = uuid.UUID(pk)
    except ValueError:
        return None
    projections = ProductViewSet.projections
    if hit := from_cache(request, ProductView, projections):
        return hit
    products, snapshot = fetch(ProductView, projections, product_sql, [product_id])
    if not products:
        return None
    return kept(request, product_document(products[0], request), projections, snapshot)


def products_page(request: HttpRequest) -> HttpResponseBase | None:
    """The first page of the catalog in its default order (newest first), with DRF's cursor links."""
    if set(request.GET) - {"page_size", "search"} or not anonymous(request):
        return None
    if "search" in request.GET:
        return cached_search(request)
    projections = ProductViewSet.projections
    if hit := from_cache(request, ProductView, projections):
        return hit
    paginator = ReadModelPagination()
    paginator.page_size = paginator.page_size_of(request.GET.get(paginator.page_size_query_param))
    products, snapshot = fetch(ProductView, projections, products_page_sql, [paginator.page_size + 1])
    if not products:
        return None  # an empty page reads its position on its own: the viewset's business
    page = paginator.first_page(request, products)
    body = {
        "next": paginator.get_next_link(),
        "previous": paginator.get_previous_link(),
        "results": [product_document(product, request) for product in page],
    }
    return kept(request, body, projections, snapshot)


def cached_search(request: HttpRequest) -> HttpResponseBase | None:
    """A ranked search the viewset already answered at this read position, from the response cache.

    The same entry CachedReadsMixin stores (its key, its data), looked up after one prepared statement for the
    position instead of DRF's dispatch and an unprepared one, and kept rendered in the body cache; a miss, a
    held aggregate or a blank search is the viewset's (it computes and stores the answer).
    """
    if not request.GET.get("search", "").strip() or response_cache.cache_seconds() <= 0:
        return None
    projections = ProductViewSet.projections
    snapshot = read_snapshot(ProductView, projections)
    if snapshot.held:
        return None
    if body := hot_cache.cached(request, projections, snapshot):
        return answer(request, body, projections, snapshot)
    path = f"{request.path}?{response_cache.normalised_query(request.GET)}"
    key = response_cache.response_key("api-list", request, snapshot.position, snapshot.generation, path)
    data = django_cache.get(key)
    return None if data is None else kept(request, data, projections, snapshot)


def order_detail(request: HttpRequest, pk: str) -> HttpResponseBase | None:
    """Never from the body cache: its key does not hold who may see the order."""
    if request.META.get("QUERY_STRING") or "HTTP_AUTHORIZATION" not in request.META:
        return None
    try:
        order_id = uuid.UUID(pk)
        found = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]  # reads request.META only
    except (ValueError, AuthenticationFailed):
        return None  # a 401 (or 404) with the contract's body and headers: the viewset's
    if found is None:
        return None
    request.user = found[0]  # type: ignore[assignment]  # as DRF's Request sets it on the request it wraps
    if may_view_every_row(request, OrderView):  # type: ignore[arg-type]  # reads request.user only
        orders, snapshot = fetch(OrderView, OrderViewSet.projections, order_sql, [order_id])
    else:
        orders, snapshot = fetch(OrderView, OrderViewSet.projections, own_order_sql, [order_id, request.user.pk])
    if not orders:
        return None  # another customer's order, or none: the viewset's 404
    body = Body.of(RENDERER.render(order_document(orders[0], request), "application/json"))
    return answer(request, body, OrderViewSet.projections, snapshot)


def from_cache(request: HttpRequest, model: type[Model], projections: tuple[str, ...]) -> HttpResponseBase | None:
    """This request's body at the current snapshot from the body cache (one tiny statement), when kept there."""
    if not hot_cache.may_cache(projections):
        return None
    snapshot = read_snapshot(model, projections)
    body = hot_cache.cached(request, projections, snapshot)
    return None if body is None else answer(request, body, projections, snapshot)


def kept(request: HttpRequest, document: Any, projections: tuple[str, ...], snapshot: Snapshot) -> HttpResponseBase:
    """`document` rendered, kept in the body cache under the snapshot its rows were read at, and answered."""
    body = Body.of(RENDERER.render(document, "application/json"))
    hot_cache.store(request, projections, snapshot, body)
    return answer(request, body, projections, snapshot)


def fetch(
    model: type[Model], projections: tuple[str, ...], sql: SqlFor, params: list[Any]
) -> tuple[list[Any], Snapshot]:
    """The rows as model instances and the snapshot they were read at, in one statement on the read database.

    Every concrete field is selected, in the model's order, as the ORM would, and decoded as the ORM would
    (from_db_value: the JSON fields). No rows: no snapshot either (a position of 0).
    """
    alias = router.db_for_read(model)
    connection = connections[alias]
    units = segments.expand(projections)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql(len(units)), [*snapshot_params(units), *params])
        rows = cursor.fetchall()
    fields, decoders = model_columns(model)
    found = []
    for row in rows:
        values = list(row[SNAPSHOT_COLUMNS:])
        for index, decode in decoders:
            values[index] = decode(values[index], None, connection)
        found.append(loaded(model, alias, fields, values))
    return found, snapshot_of(rows[0] if rows else (0, False, None))


def loaded(model: type[Model], alias: str, fields: list[str], values: list[Any]) -> Any:
    """`model.from_db` without Model.__init__ (its argument handling and pre/post_init signals: 7 % of a
    catalog page in py-spy), as Django's unpickling builds an instance: every concrete field is given."""
    instance = model.__new__(model)
    instance.__dict__.update(zip(fields, values, strict=True))
    instance._state = ModelState()
    instance._state.adding, instance._state.db = False, alias
    return instance


@cache
def model_columns(model: type[Model]) -> tuple[list[str], list[tuple[int, Callable[..., Any]]]]:
    fields = model._meta.concrete_fields
    decoders = [(index, field.from_db_value) for index, field in enumerate(fields) if hasattr(field, "from_db_value")]
    return [field.attname for field in fields], decoders


def answer(request: HttpRequest, body: Body, projections: tuple[str, ...], snapshot: Snapshot) -> HttpResponseBase:
    """The response the viewset would write: JSON, Vary, Allow, the read position, held aggregates, ETag / 304."""
    response = HttpResponse(body.content, content_type="application/json")
    response["Vary"] = "Accept"  # patch_vary_headers on a response that has none yet
    response["Allow"] = ALLOW
    response["X-Read-Position"] = str(snapshot.position)
    held_ids = progress.held_aggregates(projections) if snapshot.held else []
    if held_ids:
        response["X-Held-Aggregates"] = ",".join(held_ids)
    return conditional_answer(request, response, etag=body.etag)


@cache
def product_sql(units: int) -> str:
    return f"{select_from(ProductView, units)} WHERE NOT deleted AND id = %s"


@cache
def products_page_sql(units: int) -> str:
    return f"{select_from(ProductView, units)} WHERE NOT deleted ORDER BY created_at DESC LIMIT %s"


@cache
def order_sql(units: int) -> str:
    return f"{select_from(OrderView, units)} WHERE id = %s"


@cache
def own_order_sql(units: int) -> str:
    """Only the user's own customer's order (no customer: NULL, no row), as OwnRecordsViewSet filters it."""
    customers = CustomerView._meta.db_table
    return f"{order_sql(units)} AND customer_id = (SELECT id FROM {customers} WHERE user_id = %s LIMIT 1)"


def select_from(model: type[Model], units: int) -> str:
    """The snapshot columns first (their parameters come first), then every column of the row."""
    columns = ", ".join(str(field.column) for field in model._meta.concrete_fields)
    return f"SELECT {snapshot_sql(units)}, {columns} FROM {model._meta.db_table}"
