from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponseBase
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.auth_api import ObtainTokenView, RevokeAllTokensView, RevokeTokenView
from config.health import healthz, readyz
from config.metrics_endpoint import metrics

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("auth/logout/", RevokeTokenView.as_view(), name="auth-logout"),
    path("auth/logout-all/", RevokeAllTokensView.as_view(), name="auth-logout-all"),
    path("commands/", include("commands.api.urls")),
    path("", include("queries.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script as a file (?script), so the CSP needs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("queries.storefront.urls")),
]


def media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Uploaded product images under `make run` (django.conf.urls.static serves nothing with DEBUG off)."""
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))


if settings.SERVE_MEDIA:
    urlpatterns.insert(0, re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", media, name="media"))

handler400 = "config.api_errors.bad_request"
handler404 = "config.api_errors.page_not_found"
handler500 = "config.api_errors.server_error"
