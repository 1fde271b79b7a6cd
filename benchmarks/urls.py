"""The app's URLs behind the baselines' (first, so that an app request pays the extra failed match, not them)."""

from django.urls import include, path

from benchmarks import baselines
from config import urls as config_urls

urlpatterns = [
    path("bench/minimal/", baselines.minimal),
    path("bench/naive/orders/<uuid:pk>/", baselines.NaiveOrderDetail.as_view()),
    path("bench/naive/customers/", baselines.NaiveCustomersByTotalSpent.as_view()),
    path("bench/naive/products/", baselines.NaiveProductSearch.as_view()),
    path("bench/plain/orders/", baselines.PlainCreateOrder.as_view()),
    path("", include("config.urls")),
]

handler400 = config_urls.handler400
handler404 = config_urls.handler404
handler500 = config_urls.handler500
