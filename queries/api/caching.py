"""Cached anonymous reads and conditional GETs (ETag / If-None-Match -> 304) for the query API.

The ETag is a hash of the body as rendered, not the row's version: orders move a product's stock and a
customer's rename reaches their orders without bumping either row's version, so only the body itself is
always consistent with its tag. A 304 still says which read position it stands for.
"""

import functools
from collections.abc import Callable
from typing import Any, ClassVar

from django.core.cache import cache
from django.http import HttpResponseBase
from django.utils.cache import get_conditional_response, set_response_etag
from rest_framework.request import Request
from rest_framework.response import Response

from queries import response_cache
from queries.api.consistency import ReadConsistencyMixin

PASSED_ON_304 = ("X-Read-Position", "X-Held-Aggregates")


class ConditionalReadsMixin(ReadConsistencyMixin):
    """Tag the answers of `etag_actions`; a matching If-None-Match gets 304 with no body."""

    etag_actions: ClassVar[tuple[str, ...]] = ()

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        tagged = getattr(self, "action", None) in self.etag_actions
        if request.method != "GET" or response.status_code != 200 or not tagged:
            return response
        response.render()
        set_response_etag(response)
        etag = response["ETag"]
        answer: HttpResponseBase = get_conditional_response(request, etag=etag, response=response) or response
        if answer is not response:
            for header in PASSED_ON_304:
                if header in response:
                    answer[header] = response[header]
        return answer


class CachedReadsMixin(ConditionalReadsMixin):
    """Anonymous list and detail answers come from the cache at the read position they were computed at."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.cached("list", request, functools.partial(super().list, request, *args, **kwargs))  # type: ignore[misc]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.cached("retrieve", request, functools.partial(super().retrieve, request, *args, **kwargs))  # type: ignore[misc]

    def cached(self, kind: str, request: Request, compute: Callable[[], Response]) -> Response:
        if not response_cache.may_cache(request) or self.held or self.served_position is None:
            return compute()
        path = f"{request.path}?{response_cache.normalised_query(request.query_params)}"
        key = response_cache.response_key(f"api-{kind}", request, self.served_position, path)
        data = cache.get(key)
        if data is not None:
            return Response(data)
        response: Response = compute()
        if response.status_code == 200:
            cache.set(key, response.data, response_cache.cache_seconds())
        return response
