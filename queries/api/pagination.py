from rest_framework.pagination import CursorPagination


class ReadModelPagination(CursorPagination):
    """{"next", "previous", "results"}: cursors stay fast on deep pages, with no COUNT(*)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"


class EventFeedPagination(ReadModelPagination):
    ordering = "position"
