"""Read-only REST resources, served from the read database only."""

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import permissions, viewsets
from rest_framework.request import Request

from queries.api.consistency import ReadConsistencyMixin
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


def is_staff(request: Request) -> bool:
    return bool(request.user.is_authenticated and request.user.is_staff)


class ReadOnlyViewSet(ReadConsistencyMixin, viewsets.ReadOnlyModelViewSet):
    schema = ReadModelSchema()
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    pagination_class = ReadModelPagination


class IsStaff(permissions.BasePermission):
    def has_permission(self, request: Request, view: object) -> bool:
        return is_staff(request)


class ProductViewSet(ReadOnlyViewSet):
    """The catalog: products that are not deleted."""

    projections = ("catalog",)
    queryset = ProductView.objects.filter(deleted=False)
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ["price", "name", "created_at", "units_sold"]
    permission_classes = [permissions.AllowAny]


class OwnRecordsViewSet(ReadOnlyViewSet):
    """Staff see every row; a customer only their own (another's answers 404)."""

    permission_classes = [permissions.IsAuthenticated]
    owner_field: str

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if is_staff(self.request):
            return queryset
        return queryset.filter(**{self.owner_field: self.own_customer_id()})

    def own_customer_id(self) -> object:
        return CustomerView.objects.filter(user_id=self.request.user.pk).values_list("pk", flat=True).first()


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
    queryset = OrderView.objects.all()
    serializer_class = OrderSerializer
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
    permission_classes = [IsStaff]
