"""The hot read path: plain GETs of a product, the first catalog page and an order, answered without DRF.

Why: once a read was one statement, what was left of a product detail (1.5 ms in-process against 0.27 ms
for the bench's minimal Django view) was DRF's dispatch (Request, authenticators, content negotiation,
Response rendering) and the ORM compiling the same queryset on every request; neither depends on the row.
Here one fixed SQL statement (the rows, the read position and the held check: progress.snapshot_sql)
runs on the read database and the body is rendered by DRF's own JSONRenderer from the documents the
viewsets write (documents.py), so the bytes are the same by construction.

Only the plain, common requests are answered here: GET, no X-Min-Position, an Accept DRF answers with
compact JSON, no query parameter but `page_size` on the list (and `search`, when the viewset's answer
is in the response cache at this read position), no session cookie and no token on the catalog, a token
found by the token cache on an order. Everything else (HEAD, OPTIONS, other parameters,
cursors, bad input, 401, 404, empty pages) returns None and the viewset answers it, so the contract's
edge cases live in one place. tests/queries/test_hot_reads.py holds both paths' answers byte-identical.
PostgreSQL only (its prepared statements are the point): on SQLite, `make run`'s embedded default, the
viewsets answer everything.
"""

import sys
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import cache, cached_property, wraps
from typing import Any, cast

import psycopg
from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.base import ModelState
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers
from psycopg import pq
from psycopg.abc import Buffer
from psycopg.types.datetime import TimestamptzLoader
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.renderers import JSONRenderer

from config.token_auth import TokenAuthentication
from projections import progress, segments
from queries import response_cache
from queries.api.caching import conditional_answer
from queries.api.documents import order_document, product_document
from queries.api.pagination import ReadModelPagination
from queries.api.views import OrderViewSet, ProductViewSet, may_view_every_row
from queries.models import CustomerView, OrderView, ProductView

HotView = Callable[..., HttpResponseBase | None]
# The Accept values DRF's negotiation answers with its first renderer (JSON, compact); others go to DRF.
PLAIN_ACCEPT = frozenset({None, "*/*", "application/json"})
ALLOW = "GET, HEAD, OPTIONS"  # what a read-only viewset route allows (DRF's Allow header)
SqlFor = Callable[[int], str]  # the statement for so many checkpoint units (progress.snapshot_sql)
RENDERER = JSONRenderer()
TIMESTAMPTZ_OID = 1184
ONLY_WHEN_ASKED = sys.maxsize  # a prepare_threshold no statement count reaches (see prepared_cursor)


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
    rows = fetch(ProductView, ProductViewSet.projections, product_sql, [product_id])
    if not rows:
        return None
    product, position, held = rows[0]
    return answer(request, product_document(product, request), ProductViewSet.projections, position, held)


def products_page(request: HttpRequest) -> HttpResponseBase | None:
    """The first page of the catalog in its default order (newest first), with DRF's cursor links."""
    if set(request.GET) - {"page_size", "search"} or not anonymous(request):
        return None
    if "search" in request.GET:
        return cached_search(request)
    paginator = ReadModelPagination()
    paginator.page_size = paginator.page_size_of(request.GET.get(paginator.page_size_query_param))
    rows = fetch(ProductView, ProductViewSet.projections, products_page_sql, [paginator.page_size + 1])
    if not rows:
        return None  # an empty page reads its position on its own: the viewset's business
    products = [product for product, _, _ in rows]
    page = paginator.first_page(request, products)
    body = {
        "next": paginator.get_next_link(),
        "previous": paginator.get_previous_link(),
        "results": [product_document(product, request) for product in page],
    }
    _, position, held = rows[0]
    return answer(request, body, ProductViewSet.projections, position, held)


def cached_search(request: HttpRequest) -> HttpResponseBase | None:
    """A ranked search the viewset already answered at this read position, from the response cache.

    The same entry CachedReadsMixin stores (its key, its data), looked up after one prepared statement for the
    position instead of DRF's dispatch and an unprepared one; a miss, a held aggregate or a blank search is
    the viewset's (it computes and stores the answer).
    """
    if not request.GET.get("search", "").strip() or response_cache.cache_seconds() <= 0:
        return None
    position, held, generation = read_cache_version(ProductView, ProductViewSet.projections)
    if held:
        return None
    path = f"{request.path}?{response_cache.normalised_query(request.GET)}"
    data = django_cache.get(response_cache.response_key("api-list", request, position, generation, path))
    if data is None:
        return None
    return answer(request, data, ProductViewSet.projections, position, False)


def order_detail(request: HttpRequest, pk: str) -> HttpResponseBase | None:
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
        rows = fetch(OrderView, OrderViewSet.projections, order_sql, [order_id])
    else:
        rows = fetch(OrderView, OrderViewSet.projections, own_order_sql, [order_id, request.user.pk])
    if not rows:
        return None  # another customer's order, or none: the viewset's 404
    order, position, held = rows[0]
    return answer(request, order_document(order, request), OrderViewSet.projections, position, held)


def fetch(
    model: type[Model], projections: tuple[str, ...], sql: SqlFor, params: list[Any]
) -> list[tuple[Any, int, bool]]:
    """(row as a model instance, read position, anything held) per row, in one statement on the read database.

    Every concrete field is selected, in the model's order, as the ORM would, and decoded as the ORM would
    (from_db_value: the JSON fields).
    """
    alias = router.db_for_read(model)
    connection = connections[alias]
    units = segments.expand(projections)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql(len(units)), [len(units), *units, *units, *params])
        rows = cursor.fetchall()
    fields, decoders = model_columns(model)
    found = []
    for row in rows:
        values = list(row[2:])
        for index, decode in decoders:
            values[index] = decode(values[index], None, connection)
        found.append((loaded(model, alias, fields, values), int(row[0] or 0), bool(row[1])))
    return found


def loaded(model: type[Model], alias: str, fields: list[str], values: list[Any]) -> Any:
    """`model.from_db` without Model.__init__ (its argument handling and pre/post_init signals: 7 % of a
    catalog page in py-spy), as Django's unpickling builds an instance: every concrete field is given."""
    instance = model.__new__(model)
    instance.__dict__.update(zip(fields, values, strict=True))
    instance._state = ModelState()
    instance._state.adding, instance._state.db = False, alias
    return instance


class UtcTimestampLoader(TimestamptzLoader):
    """PostgreSQL's text for a timestamptz in a UTC session ("2026-12-02 04:05:49.63+00"), read by the C parser.

    psycopg's loader parses it in Python: a twentieth of a catalog page (py-spy, 40 timestamps). Anything
    else (another session time zone, BC dates, infinity) goes to the connection's own loader (Django's).
    """

    def load(self, data: Buffer) -> datetime:
        text = bytes(data).decode()
        if text.endswith("+00") and len(text) >= 22 and text[4] == "-":
            try:
                return datetime.fromisoformat(text)
            except ValueError:
                pass
        return cast(datetime, self.fallback.load(data))

    @cached_property
    def fallback(self) -> Any:
        own = self.connection.adapters.get_loader(TIMESTAMPTZ_OID, pq.Format.TEXT) if self.connection else None
        return (own or TimestamptzLoader)(TIMESTAMPTZ_OID, self.connection)


class PreparingCursor(psycopg.Cursor):
    """Server-side binding, each statement prepared on first use and executed by name afterwards."""

    def __init__(self, connection: psycopg.Connection) -> None:
        super().__init__(connection)
        self.adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestampLoader)

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **options: Any) -> Any:
        return super().execute(query, params, prepare=True, **options)


class LoggedPreparingCursor(PreparingCursor):
    """For Django's query log (DEBUG, CaptureQueriesContext): psycopg keeps no text of a statement run by name."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **options: Any) -> Any:
        super().execute(query, params, **options)
        self._query = self._convert_query(query, params)
        return self


def prepared_cursor(connection: BaseDatabaseWrapper) -> Any:
    """A cursor whose statements PostgreSQL plans once per connection, wrapped as Django wraps its own.

    Planning these statements took longer than running them (0.37 ms a detail unprepared, 0.08 ms prepared,
    measured with psycopg alone). Django turns psycopg's prepared statements off (prepare_threshold=None,
    for connection poolers that cannot keep them); a threshold no count reaches turns them back on for
    cursors that ask (prepare=True, this class only): Django's own client-side-binding cursors never prepare.
    """
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = connection.connection
        if raw.prepare_threshold is None:
            raw.prepare_threshold = ONLY_WHEN_ASKED
        connection.validate_thread_sharing()
        if connection.queries_logged:
            return connection.make_debug_cursor(cast(Any, LoggedPreparingCursor(raw)))
        return connection.make_cursor(cast(Any, PreparingCursor(raw)))


def read_cache_version(model: type[Model], projections: tuple[str, ...]) -> tuple[int, bool, datetime | None]:
    """progress.cache_version, prepared, on the database the model's rows would be read from."""
    units = segments.expand(projections)
    with prepared_cursor(connections[router.db_for_read(model)]) as cursor:
        cursor.execute(cache_version_sql(len(units)), [len(units), *units, *units, *units])
        position, held, generation = cursor.fetchone()
    return int(position or 0), bool(held), generation


@cache
def cache_version_sql(units: int) -> str:
    position, held = progress.snapshot_sql(units)
    return f"SELECT {position}, {held}, {progress.generation_sql(units)}"


@cache
def model_columns(model: type[Model]) -> tuple[list[str], list[tuple[int, Callable[..., Any]]]]:
    fields = model._meta.concrete_fields
    decoders = [(index, field.from_db_value) for index, field in enumerate(fields) if hasattr(field, "from_db_value")]
    return [field.attname for field in fields], decoders


def answer(
    request: HttpRequest, document: Any, projections: tuple[str, ...], position: int, held: bool
) -> HttpResponseBase:
    """The response the viewset would write: JSON, Vary, Allow, the read position, held aggregates, ETag / 304."""
    response = HttpResponse(RENDERER.render(document, "application/json"), content_type="application/json")
    patch_vary_headers(response, ("Accept",))
    response["Allow"] = ALLOW
    response["X-Read-Position"] = str(position)
    held_ids = progress.held_aggregates(projections) if held else []
    if held_ids:
        response["X-Held-Aggregates"] = ",".join(held_ids)
    return conditional_answer(request, response)


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
    position, held = progress.snapshot_sql(units)
    columns = ", ".join(str(field.column) for field in model._meta.concrete_fields)
    return f"SELECT {position}, {held}, {columns} FROM {model._meta.db_table}"
