"""Read-only REST resources, served from the read database only.

Who sees what (the README's permission model): a read model's `view_*` permission shows every row, as it
opens the admin's page of it; a customer sees their own records; `is_staff` alone shows nothing.

The hottest reads have a second door (queries/api/hot.py, wired in front of these viewsets in urls.py): a plain
GET of a product, of the first catalog page or of an order with a cached token is answered by a plain Django
view with one prepared SQL statement, DRF's renderer and these viewsets' documents; every other request
(parameters, cursors, X-Min-Position, HEAD/OPTIONS, 401, 404, ...) still comes here. Why: with one statement
per read, what was left of a product detail was DRF's dispatch and the ORM compiling the same query every
time. In-process (Django test client through the whole middleware, bench small seed, best of 5 x 400
requests, load average 6.5): the bench's minimal Django view 0.26 ms; product detail 1.55 ms here, 0.83 ms
there; catalog page 2.04 / 1.30 ms; order with a token 2.00 / 1.15 ms. tests/queries/test_hot_reads.py
holds both doors' answers byte-identical (status, body, headers).
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_permission_codename
from django.db.models import Model, QuerySet, Subquery
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from queries.api.caching import CachedReadsMixin, ConditionalReadsMixin
from queries.api.documents import order_document, product_document
from queries.api.filters import (
    CustomerFilter,
    EventFilter,
    OrderFilter,
    ProductFilter,
    StrictOrderingFilter,
)
from queries.api.pagination import EventFeedPagination, ReadModelPagination
from queries.api.schema import ReadModelSchema
from queries.api.serializers import CustomerSerializer, EventSerializer, OrderSerializer, ProductSerializer
from queries.models import CustomerView, EventRecord, OrderView, ProductView


def may_view_every_row(request: Request, model: type[Model]) -> bool:
    """The admin's own check: the read model's view permission (directly, through a group, or as superuser)."""
    codename = get_permission_codename("view", model._meta)
    return bool(request.user.is_authenticated and request.user.has_perm(f"{model._meta.app_label}.{codename}"))


class ReadOnlyViewSet(ConditionalReadsMixin, viewsets.ReadOnlyModelViewSet):
    """`document`, when set, writes each row's JSON in place of the serializer (queries/api/documents.py)."""

    schema = ReadModelSchema()
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    pagination_class = ReadModelPagination
    document: Callable[[Any, Request | None], dict[str, Any]] | None = None

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """django-filter only when a parameter names one of its filters: a FilterSet with no data filters
        nothing, and building it and its form was a fifth of a product detail's time (cProfile)."""
        asked = set(self.request.query_params)
        filterset = getattr(self, "filterset_class", None)
        for backend in self.filter_backends:
            if backend is DjangoFilterBackend and not (filterset and asked & set(filterset.base_filters)):
                continue
            queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if self.document is None:
            return super().retrieve(request, *args, **kwargs)
        return Response(self.document(self.get_object(), request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if self.document is None:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        documents = [self.document(row, request) for row in (queryset if page is None else page)]
        return Response(documents) if page is None else self.get_paginated_response(documents)


class MayViewEveryRow(permissions.BasePermission):
    message = "You do not have permission to read this resource."

    def has_permission(self, request: Request, view: object) -> bool:
        queryset = getattr(view, "queryset", None)
        return queryset is not None and may_view_every_row(request, queryset.model)


class ProductViewSet(CachedReadsMixin, ReadOnlyViewSet):
    """The catalog: products that are not deleted; anonymous searches cached at the read position."""

    projections = ("catalog",)
    etag_actions = ("list", "retrieve")
    queryset = ProductView.objects.filter(deleted=False)
    serializer_class = ProductSerializer
    document = staticmethod(product_document)
    filterset_class = ProductFilter
    ordering_fields = ["price", "name", "created_at", "units_sold"]
    permission_classes = [permissions.AllowAny]


class OwnRecordsViewSet(ReadOnlyViewSet):
    """Holders of the view permission see every row; anyone else only their own customer's (another's: 404)."""

    permission_classes = [permissions.IsAuthenticated]
    owner_field: str

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if may_view_every_row(self.request, queryset.model):
            return queryset
        # A subquery, not a lookup first: the read stays one statement (no customer: NULL, no rows).
        own_customer = CustomerView.objects.filter(user_id=self.request.user.pk).values("pk")[:1]
        return queryset.filter(**{self.owner_field: Subquery(own_customer)})


class CustomerViewSet(OwnRecordsViewSet):
    """Customers with their order statistics."""

    projections = ("customers",)
    queryset = CustomerView.objects.all()
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["name", "created_at", "total_spent", "orders_count"]
    owner_field = "pk"


class OrderViewSet(OwnRecordsViewSet):
    """Order documents with their lines and the customer's current name and email."""

    projections = ("orders",)
    etag_actions = ("retrieve",)
    queryset = OrderView.objects.all()
    serializer_class = OrderSerializer
    document = staticmethod(order_document)
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "total"]
    owner_field = "customer_id"


class EventViewSet(ReadOnlyViewSet):
    """The event feed for integrators, in position order."""

    projections = ("event_feed",)
    queryset = EventRecord.objects.all()
    serializer_class = EventSerializer
    filterset_class = EventFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = EventFeedPagination
    permission_classes = [MayViewEveryRow]
