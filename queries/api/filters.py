"""Query parameters of docs/api.md: filters, full-text search, orderings."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter

from config.integer_input import non_negative_int
from queries.models import CustomerView, EventRecord, OrderView, ProductView
from queries.search import CUSTOMER_SEARCH, PRODUCT_SEARCH, RANK, full_text


class ProductFilter(filters.FilterSet):
    search = filters.CharFilter(method="filter_search", max_length=200)
    min_price = filters.NumberFilter(field_name="price", lookup_expr="gte")
    max_price = filters.NumberFilter(field_name="price", lookup_expr="lte")
    in_stock = filters.BooleanFilter(method="filter_in_stock")

    class Meta:
        model = ProductView
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return full_text(queryset, PRODUCT_SEARCH, value)

    def filter_in_stock(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(stock__gt=0) if value else queryset.filter(stock__lte=0)


class CustomerFilter(filters.FilterSet):
    search = filters.CharFilter(method="filter_search", max_length=200)

    class Meta:
        model = CustomerView
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return full_text(queryset, CUSTOMER_SEARCH, value)


class OrderFilter(filters.FilterSet):
    customer = filters.UUIDFilter(field_name="customer_id")
    status = filters.ChoiceFilter(choices=[(status, status) for status in ("pending", "paid", "shipped", "cancelled")])

    class Meta:
        model = OrderView
        fields: list[str] = []


class PositionField(forms.CharField):
    """An event position as ASCII digits: a number filter also took "1.5", and a 5,000-digit one reached SQL."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strip=False, **kwargs)

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        position = non_negative_int(text)
        if position is None:
            raise forms.ValidationError("Must be an event position (a non-negative integer).", code="invalid")
        return position


@extend_schema_field(OpenApiTypes.INT)
class PositionFilter(filters.Filter):
    field_class = PositionField


class EventFilter(filters.FilterSet):
    after = PositionFilter(field_name="position", lookup_expr="gt")
    aggregate_id = filters.UUIDFilter()
    type = filters.CharFilter(max_length=64)

    class Meta:
        model = EventRecord
        fields: list[str] = []


class StrictOrderingFilter(OrderingFilter):
    """An ordering that is not on the list is a 400, not silently ignored; a search without one is ranked."""

    def get_ordering(self, request, queryset, view):  # type: ignore[no-untyped-def]
        from rest_framework.exceptions import ValidationError

        params = request.query_params.get(self.ordering_param)
        if not params and RANK in queryset.query.annotations:
            # Best match first; the cursor's ties are broken by the newest first.
            return (f"-{RANK}", "-created_at")
        if params:
            fields = [param.strip() for param in params.split(",")]
            valid = {item[0] for item in self.get_valid_fields(queryset, view, {"request": request})}
            invalid = [field for field in fields if field.lstrip("-") not in valid]
            if invalid:
                raise ValidationError({self.ordering_param: [f"Cannot order by {', '.join(invalid)}."]})
        return super().get_ordering(request, queryset, view)
