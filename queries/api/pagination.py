"""Cursor pagination whose cursors and page sizes come from the client, so nothing in them is trusted."""

from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Field, Model
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from config.integer_input import non_negative_int


class ReadModelPagination(CursorPagination):
    """{"next", "previous", "results"}: cursors stay fast on deep pages, with no COUNT(*)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"
    model: type[Model] | None = None

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        return self.page_size_of(request.query_params.get(self.page_size_query_param))

    def page_size_of(self, asked: str | None) -> int:
        size = non_negative_int(asked)
        return min(size, self.max_page_size) if size else self.page_size

    def first_page(self, request: HttpRequest, rows: list[Any]) -> list[Any]:
        """What paginate_queryset leaves for the links, given the first page_size + 1 rows in `ordering` (no cursor).

        For the hot read path (queries/api/hot.py), which selects the rows itself.
        """
        self.base_url = request.build_absolute_uri()
        self.ordering = (self.ordering,)  # type: ignore[assignment]  # as DRF's get_ordering returns it
        self.cursor = None
        self.page = rows[: self.page_size]
        self.has_next, self.has_previous = len(rows) > self.page_size, False
        if self.has_next:
            self.next_position = self._get_position_from_instance(rows[-1], self.ordering)
        return self.page

    def decode_cursor(self, request: Request) -> Cursor | None:
        """DRF checks a cursor's shape only; a position the ordering field cannot hold failed later as a 500."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not self.holds(str(cursor.position)):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def holds(self, position: str) -> bool:
        """Whether the field the page is ordered by can hold `position` (type, range, no NUL for PostgreSQL)."""
        if "\x00" in position:
            return False
        if self.model is None:
            return True
        try:
            field = self.model._meta.get_field(str(self.ordering[0]).lstrip("-"))
            value = field.clean(position, None) if isinstance(field, Field) else position
        except FieldDoesNotExist:
            return True
        except ValidationError:
            return False
        # The API's own cursors carry the offset; a naive time is someone's guess (and a warning per query).
        return not (isinstance(value, datetime) and timezone.is_naive(value))


class EventFeedPagination(ReadModelPagination):
    ordering = "position"
