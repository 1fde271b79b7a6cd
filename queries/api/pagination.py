"""Cursor pagination whose cursors and page sizes come from the client, so nothing in them is trusted."""

from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Field, Model
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
        size = non_negative_int(request.query_params.get(self.page_size_query_param))
        return min(size, self.max_page_size) if size else self.page_size

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
