"""Cached anonymous reads and conditional GETs (ETag / If-None-Match -> 304) for the query API.

The ETag is a hash of the body as rendered, not the row's version: orders move a product's stock and a
customer's rename reaches their orders without bumping either row's version, so only the body itself is
always consistent with its tag. A 304 still says which read position it stands for.
"""

import functools
from typing import Any, ClassVar

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, set_response_etag
from rest_framework.request import Request
from rest_framework.response import Response

from projections import progress
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
        return conditional_answer(request, response)


def conditional_answer(
    request: HttpRequest | Request, response: HttpResponse, *, etag: str | None = None
) -> HttpResponseBase:
    """Tag a rendered 200 with the hash of its body (or `etag`, that hash computed before: the hot path's body
    cache); a matching If-None-Match is a 304 with the read position."""
    if etag is None:
        set_response_etag(response)
        etag = response["ETag"]
    else:
        response["ETag"] = etag
    answer: HttpResponseBase = get_conditional_response(request, etag=etag, response=response) or response
    if answer is not response:
        for header in PASSED_ON_304:
            if header in response:
                answer[header] = response[header]
    return answer


class CachedReadsMixin(ConditionalReadsMixin):
    """Anonymous lists with one of `cached_params` (a ranked search) come from the cache at their read position.

    Only those: a detail or a plain list page is one indexed statement that also reads the position
    (consistency.py), while a cached answer still needs a statement for its key's position and adds a
    cache round trip. Measured in-process (small seed): a detail served in one statement took less time than a
    cached one did before (3.3-5.2 against 6.4-8.6 ms); a ranked search from the cache 3.1 ms, computed
    6.8-10 ms; the catalog page (response_cache.py) 2.9 ms cached, 18-25 ms rendered.
    A miss is stored only if its rows were selected at the key's position (an empty page: after it) with
    nothing held: then it is the answer at that position, whatever the position moves to afterwards.
    """

    cached_params: ClassVar[tuple[str, ...]] = ("search",)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        compute = functools.partial(super().list, request, *args, **kwargs)  # type: ignore[misc]
        worth_it = any(request.query_params.get(param, "").strip() for param in self.cached_params)
        if not worth_it or not response_cache.may_cache(request):
            return compute()
        position, held, generation = progress.cache_version(self.projections)
        if held:
            return compute()
        self.serve_at(position, held)
        path = f"{request.path}?{response_cache.normalised_query(request.query_params)}"
        key = response_cache.response_key("api-list", request, position, generation, path)
        data = cache.get(key)
        if data is not None:
            return Response(data)
        response: Response = compute()
        if response.status_code == 200 and (self.served_position, self.anything_held) == (position, False):
            cache.set(key, response.data, response_cache.cache_seconds())
        return response
