"""The bench's baselines, served beside the app under the same gunicorn settings; never in the production URLs.

(a) the ceiling: the least a Django JSON view does behind the same middleware;
(b) the naive, non-CQRS reads: DRF ModelSerializers over the write models, joins and aggregates at query time;
(c) the plain write: the same order placed in one transaction, without event log, idempotency or wake-up.
Each uses the same authentication as the endpoint it is compared with (DRF's defaults: knox tokens).
"""

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from rest_framework import generics, permissions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commands.models import Customer, Order, OrderLine, Product


def holding(permission: str) -> type[permissions.BasePermission]:
    """The same check the app makes: the user holds `permission` (directly, through a group, as superuser)."""

    class Holds(permissions.BasePermission):
        def has_permission(self, request: Request, view: object) -> bool:
            return bool(request.user.is_authenticated and request.user.has_perm(permission))

    return Holds


def minimal(request: HttpRequest) -> JsonResponse:
    """The ceiling: a Django view that answers a fixed JSON document."""
    return JsonResponse({"ok": True})


class NaiveLineSerializer(serializers.ModelSerializer):
    line_total = serializers.SerializerMethodField()

    class Meta:
        model = OrderLine
        fields = ["product_id", "sku", "name", "unit_price", "quantity", "line_total"]

    def get_line_total(self, line: OrderLine) -> str:
        return f"{line.unit_price * line.quantity:.2f}"


class NaiveCustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name", "email"]


class NaiveOrderSerializer(serializers.ModelSerializer):
    customer = NaiveCustomerSerializer()
    lines = NaiveLineSerializer(many=True)
    item_count = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            *("id", "status", "customer", "lines", "item_count", "total", "currency", "tracking_number"),
            *("created_at", "updated_at", "version"),
        ]

    def get_item_count(self, order: Order) -> int:
        return sum(line.quantity for line in order.lines.all())


class NaiveOrderDetail(generics.RetrieveAPIView):
    """GET /api/v1/orders/<id>/ the naive way: the order, its customer and its lines joined at query time."""

    permission_classes = [holding("queries.view_orderview")]
    serializer_class = NaiveOrderSerializer
    queryset = Order.objects.select_related("customer").prefetch_related("lines")


class NaiveCustomerSerializerWithTotals(serializers.ModelSerializer):
    orders_count = serializers.IntegerField()
    total_spent = serializers.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        model = Customer
        fields = [
            *("id", "email", "name", "phone", "address", "orders_count", "total_spent"),
            *("created_at", "updated_at", "version"),
        ]


class ByTotalSpent(CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-total_spent", "id")


class NaiveCustomersByTotalSpent(generics.ListAPIView):
    """Customers by -total_spent with COUNT and SUM over their orders at query time."""

    permission_classes = [holding("queries.view_customerview")]
    serializer_class = NaiveCustomerSerializerWithTotals
    pagination_class = ByTotalSpent

    def get_queryset(self) -> QuerySet[Customer]:
        money = DecimalField(max_digits=14, decimal_places=2)
        return Customer.objects.annotate(
            orders_count=Count("orders", filter=~Q(orders__status="cancelled")),
            total_spent=Coalesce(
                Sum("orders__total", filter=Q(orders__status__in=["paid", "shipped"])),
                Value(Decimal(0)),
                output_field=money,
            ),
        )


class NaiveProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "sku", "name", "description", "price", "stock", "created_at", "updated_at", "version"]


class NewestFirst(CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"


class NaiveProductSearch(generics.ListAPIView):
    """Product search with icontains over name, description and sku of the write model."""

    permission_classes = [permissions.AllowAny]
    serializer_class = NaiveProductSerializer
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[Product]:
        text = self.request.query_params.get("search", "")
        match = Q(name__icontains=text) | Q(description__icontains=text) | Q(sku__icontains=text)
        return Product.objects.filter(match, discontinued=False)


class PlainLine(serializers.Serializer):
    product_id = serializers.UUIDField()
    quantity = serializers.IntegerField(min_value=1, max_value=1000)


class PlainOrderInput(serializers.Serializer):
    customer_id = serializers.UUIDField()
    lines = serializers.ListField(child=PlainLine(), min_length=1, max_length=100)


class PlainCreateOrder(APIView):
    """The same order as create-order, in one transaction: no event log, no idempotency, no wake-up."""

    permission_classes = [holding("commands.add_order")]

    def post(self, request: Request) -> Response:
        given = PlainOrderInput(data=request.data)
        given.is_valid(raise_exception=True)
        lines: list[dict[str, Any]] = given.validated_data["lines"]
        now = timezone.now()
        with transaction.atomic():
            customer = Customer.objects.filter(pk=given.validated_data["customer_id"]).first()
            products = {
                product.pk: product
                for product in Product.objects.select_for_update()
                .filter(pk__in=[line["product_id"] for line in lines])
                .order_by("pk")
            }
            if customer is None or len(products) != len(lines):
                return Response({"detail": "unknown customer or product"}, status=status.HTTP_400_BAD_REQUEST)
            if any(products[line["product_id"]].stock < line["quantity"] for line in lines):
                return Response({"code": "insufficient_stock"}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
            total = sum((products[line["product_id"]].price * line["quantity"] for line in lines), Decimal(0))
            order = Order.objects.create(
                id=uuid.uuid4(),
                customer=customer,
                total=total,
                currency=settings.SHOP_CURRENCY,
                version=1,
                created_at=now,
                updated_at=now,
            )
            for line in lines:
                product = products[line["product_id"]]
                product.stock -= line["quantity"]
                product.updated_at = now
                product.save(update_fields=["stock", "updated_at"])
            OrderLine.objects.bulk_create(
                OrderLine(
                    order=order,
                    product=products[line["product_id"]],
                    sku=products[line["product_id"]].sku,
                    name=products[line["product_id"]].name,
                    unit_price=products[line["product_id"]].price,
                    quantity=line["quantity"],
                )
                for line in lines
            )
        return Response({"id": str(order.pk)}, status=status.HTTP_201_CREATED)
