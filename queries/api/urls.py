from rest_framework.routers import SimpleRouter

from queries.api import views

router = SimpleRouter()
router.register("products", views.ProductViewSet, basename="product")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("orders", views.OrderViewSet, basename="order")
router.register("events", views.EventViewSet, basename="event")
urlpatterns = router.urls
