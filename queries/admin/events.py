"""The event feed: every event as the read side has copied it, newest first."""

import json

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from commands.events import EVENT_TYPES
from config.integer_input import non_negative_int
from queries.admin.read_model_admin import FixedChoicesFilter, ReadModelAdmin, admin_link, short_id
from queries.models import CustomerView, EventRecord, OrderView, ProductView

READ_MODEL_OF = {"product": ProductView, "customer": CustomerView, "order": OrderView}


class EventTypeFilter(FixedChoicesFilter):
    title = "event type"
    parameter_name = "type"

    def choices_known(self) -> list[tuple[str, str]]:
        return [(name, name) for name in EVENT_TYPES]


class AggregateTypeFilter(FixedChoicesFilter):
    title = "aggregate"
    parameter_name = "aggregate_type"

    def choices_known(self) -> list[tuple[str, str]]:
        return [(name, name) for name in READ_MODEL_OF]


@admin.register(EventRecord)
class EventRecordAdmin(ReadModelAdmin):
    list_display = ("position", "type", "aggregate", "aggregate_version", "occurred_at", "actor", "command")
    list_filter = (EventTypeFilter, AggregateTypeFilter)
    search_fields = ("=type",)
    search_help_text = "An aggregate id (its events), a position, or an event type."
    # No date_hierarchy: occurred_at has no index, and position already orders the feed by time.
    ordering = ("-position",)
    sortable_by = ("position",)
    id_search_field = "aggregate_id"
    shows_history = False
    fields = (
        "position",
        "type",
        "aggregate",
        "aggregate_version",
        "occurred_at",
        "actor",
        "command",
        "payload_json",
        "metadata_json",
    )
    readonly_fields = ("aggregate", "actor", "command", "payload_json", "metadata_json")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        position = non_negative_int(search_term.strip())
        if position is not None:
            return queryset.filter(position=position), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="aggregate")
    def aggregate(self, event: EventRecord) -> str:
        model = READ_MODEL_OF.get(event.aggregate_type)
        text = f"{event.aggregate_type} {short_id(event.aggregate_id)}"
        return admin_link(model, event.aggregate_id, text) if model else text

    @admin.display(description="actor")
    def actor(self, event: EventRecord) -> str:
        return str(event.metadata.get("actor", ""))

    @admin.display(description="command")
    def command(self, event: EventRecord) -> str:
        return str(event.metadata.get("command", ""))

    @admin.display(description="payload")
    def payload_json(self, event: EventRecord) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.payload, indent=2, sort_keys=True))

    @admin.display(description="metadata")
    def metadata_json(self, event: EventRecord) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.metadata, indent=2, sort_keys=True))
