"""Catalog: the home page with search, filters, sorting and pages; one page per product."""

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from queries.response_cache import cached_page
from queries.storefront.forms import AddToCartForm, CatalogFilterForm
from queries.storefront.read_your_writes import reads_own_writes
from queries.storefront.selectors import catalog_page, product_or_404


@require_GET
@reads_own_writes("catalog")
@cached_page("catalog")
def catalog(request: HttpRequest) -> HttpResponse:
    form = CatalogFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    page = catalog_page(
        search=filters.get("q", ""),
        min_price=filters.get("min_price"),
        max_price=filters.get("max_price"),
        in_stock_only=filters.get("in_stock", False),
        sort=filters.get("sort", "name"),
        page_number=request.GET.get("page", 1),
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("after", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "searching": bool(filters.get("q"))}
    return render(request, "storefront/catalog.html", context)


@require_GET
@reads_own_writes("catalog")
def product_detail(request: HttpRequest, product_id: uuid.UUID) -> HttpResponse:
    product = product_or_404(product_id)
    form = AddToCartForm(initial={"quantity": 1, "next": request.get_full_path()})
    return render(request, "storefront/product.html", {"product": product, "form": form})
