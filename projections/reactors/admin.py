"""The outbox in the admin, read-only: what the reactors recorded, and whether it has been sent yet."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from projections.models import OutboxMessage


class SentFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "sent"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("pending", "Pending"), ("sent", "Sent")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("pending", "sent"):
            return queryset.filter(sent_at__isnull=self.value() == "pending")
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """No add, change or delete: a row is an effect an event caused; editing it would rewrite history."""

    list_display = ("position", "reactor", "event_type", "to_email", "language", "subject", "sent", "attempts")
    list_filter = (SentFilter, "reactor", "event_type", "language")
    search_fields = ("^to_email",)
    ordering = ("-id",)
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    @admin.display(boolean=True, description="sent", ordering="sent_at")
    def sent(self, row: OutboxMessage) -> bool:
        return row.sent_at is not None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
