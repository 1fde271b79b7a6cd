"""The outbox in the admin, read-only: what the reactors recorded, whether it has been sent, and what failed.

One action: "send again", for messages the mail server kept refusing (given up) or that are waiting out a
backoff, once the cause is fixed. It needs the outbox's change permission, which no role but superusers holds
unless given; nothing else about a row can be changed.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from projections.models import OutboxMessage
from projections.reactors.delivery import send_again


class SentFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "sent"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("pending", "Pending"),
            ("retrying", "Refused, to be tried again"),
            ("failed", "Given up"),
            ("sent", "Sent"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        unsent = queryset.filter(sent_at__isnull=True)
        match self.value():
            case "pending":
                return unsent.filter(gave_up_at__isnull=True)
            case "retrying":
                return unsent.filter(gave_up_at__isnull=True, next_attempt_at__isnull=False)
            case "failed":
                return unsent.filter(gave_up_at__isnull=False)
            case "sent":
                return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """No add, change or delete: a row is an effect an event caused; editing it would rewrite history."""

    list_display = ("position", "reactor", "event_type", "to_email", "language", "subject", "delivery", "attempts")
    list_filter = (SentFilter, "reactor", "event_type", "language")
    search_fields = ("^to_email",)
    ordering = ("-id",)
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
    actions = ["send_again"]

    @admin.display(description="delivery", ordering="sent_at")
    def delivery(self, row: OutboxMessage) -> str:
        if row.sent_at is not None:
            return "sent"
        if row.gave_up_at is not None:
            return "given up"
        if row.next_attempt_at is not None:
            return f"refused; next try {row.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
        return "pending"

    @admin.action(description="Send again (given up or waiting messages)", permissions=["resend"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = send_again(queryset)
        self.message_user(request, f"{count} message(s) will be sent with the next delivery round.", messages.SUCCESS)

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("projections.change_outboxmessage")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
