"""The base of every read-model admin: browse only, fast on big tables, with the aggregate's history."""

import dataclasses
import uuid
from typing import Any, ClassVar

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from queries.admin.history import TIMELINE_LIMIT, aggregate_timeline
from queries.admin.paginator import EstimatedCountPaginator


def admin_url(model: type[Model], object_id: object) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])


def admin_link(model: type[Model], object_id: object, text: object) -> str:
    return format_html('<a href="{}">{}</a>', admin_url(model, object_id), text)


def short_id(value: uuid.UUID | str) -> str:
    return str(value)[:8]


class FixedChoicesFilter(admin.SimpleListFilter):
    """A filter on the column `parameter_name` whose choices are known in advance.

    Django's default would SELECT DISTINCT that column over the whole table on each page load.
    """

    def choices_known(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return self.choices_known()

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(**{str(self.parameter_name): self.value()}) if self.value() else queryset


@dataclasses.dataclass(frozen=True)
class CommandLink:
    """A button on a read-model page that opens a command form."""

    label: str
    url: str
    danger: bool = False


class ReadModelAdmin(admin.ModelAdmin):
    """Read rows are written only by projections: the admin may look, never add, change or delete."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # Facet counts would COUNT every filter choice over the whole table on each page load.
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    # Whether the change page shows the aggregate's event timeline.
    shows_history: ClassVar[bool] = True
    # Which column a pasted UUID is looked up in.
    id_search_field: ClassVar[str] = "pk"
    # The projections that write this page's rows: a command form waits for them before showing its effect.
    projections: ClassVar[tuple[str, ...]] = ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        """A pasted id finds its row through the primary key index instead of a text scan."""
        try:
            wanted = uuid.UUID(search_term.strip())
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(**{self.id_search_field: wanted}), False

    def command_links(self, request: HttpRequest, obj: Any | None) -> list[CommandLink]:
        """The command forms this user may open from this page (obj None: the list)."""
        return []

    def extra_change_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {}

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {"command_links": self.command_links(request, None), **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None and self.has_view_permission(request, obj):
            context["command_links"] = self.command_links(request, obj)
            if self.shows_history:
                context["timeline"] = aggregate_timeline(obj.pk)
                context["timeline_limit"] = TIMELINE_LIMIT
            context.update(self.extra_change_context(request, obj))
        return super().change_view(request, object_id, form_url, extra_context=context)
