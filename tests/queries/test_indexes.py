"""An index behind every filter and ordering the query API offers (a list must never scan a whole read model)."""

import pytest
from django.db import models

from queries.api import views
from queries.api.pagination import EventFeedPagination, ReadModelPagination
from queries.search import CUSTOMER_SEARCH, PRODUCT_SEARCH

# Filters that call a method name the column they filter on here; search has its own indexes (below).
METHOD_FILTER_COLUMNS = {"in_stock": "stock", "search": None}
VIEWSETS = [views.ProductViewSet, views.CustomerViewSet, views.OrderViewSet, views.EventViewSet]


def leading_indexed_fields(model: type[models.Model]) -> set[str]:
    """Fields an index starts with (so it serves an ORDER BY or a WHERE on that field)."""
    fields = {index.fields[0].lstrip("-") for index in model._meta.indexes if index.fields}
    fields |= {field.name for field in model._meta.concrete_fields if field.primary_key or field.unique}
    fields |= {field.attname for field in model._meta.concrete_fields if field.primary_key or field.unique}
    return fields


def offered_fields(viewset: type) -> set[str]:
    offered = set(getattr(viewset, "ordering_fields", None) or [])
    for name, declared in viewset.filterset_class.base_filters.items():
        column = METHOD_FILTER_COLUMNS[name] if declared.method else declared.field_name
        if column:
            offered.add(column)
    pagination = viewset.pagination_class
    assert pagination in (ReadModelPagination, EventFeedPagination)
    offered.add(pagination.ordering.lstrip("-"))
    return offered


@pytest.mark.parametrize("viewset", VIEWSETS, ids=lambda viewset: viewset.__name__)
def test_every_filter_and_ordering_has_an_index(viewset):
    model = viewset.queryset.model
    assert offered_fields(viewset) - leading_indexed_fields(model) == set()


@pytest.mark.parametrize(
    ("model", "prefix", "searchable"),
    [(views.ProductView, "product", PRODUCT_SEARCH), (views.CustomerView, "customer", CUSTOMER_SEARCH)],
)
def test_search_has_its_gin_indexes(model, prefix, searchable):
    names = {index.name for index in model._meta.indexes}
    assert {f"{prefix}_search", f"{prefix}_{searchable.substring}_trgm"} <= names
