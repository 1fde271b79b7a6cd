from django.db import connections
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when both databases answer, 503 otherwise."""
    failed = []
    for alias in ("default", "read"):
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:
            failed.append(alias)
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
    return JsonResponse({"status": "ok"})
