"""The projections page: how far each projection has got, rebuilds, and parked events to retry or skip."""

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from projections import parking, progress, runner, segments, tasks
from projections.models import Checkpoint, ParkedEvent
from projections.progress import ProjectionStatus, projection_statuses, short_error
from projections.registry import PROJECTIONS

REBUILD_REQUESTED = "Rebuild requested."
PARKED_SHOWN = 200
REFRESH_SECONDS = 2
# A rebuild not finished after this long has most likely failed or found no worker: stop polling for it.
REBUILD_STALLED_AFTER = timedelta(minutes=30)


@dataclasses.dataclass(frozen=True)
class RebuildState:
    requested_at: datetime
    requested_by: str
    finished: bool
    progress: dict[str, int] | None = None

    @property
    def stalled(self) -> bool:
        return not self.finished and timezone.now() - self.requested_at > REBUILD_STALLED_AFTER

    @property
    def running(self) -> bool:
        return not self.finished and not self.stalled


@dataclasses.dataclass(frozen=True)
class ProjectionRow:
    status: ProjectionStatus
    error_summary: str
    rebuild: RebuildState | None

    @property
    def rebuildable(self) -> bool:
        """A reactor is never rebuilt: replaying it from 0 would record every past email again."""
        return self.status.name in PROJECTIONS


def staff_id(request: HttpRequest) -> int:
    """The admin log's user id; admin views are only reached logged in."""
    if request.user.pk is None:
        raise PermissionDenied
    return int(request.user.pk)


def log_rebuild_requested(user_id: int, name: str) -> None:
    first = segments.checkpoint_names(name)[0]  # a split projection's request is logged on its first segment
    runner.ensure_checkpoint(first)
    checkpoint = Checkpoint.objects.get(name=first)
    LogEntry.objects.log_actions(user_id, [checkpoint], CHANGE, REBUILD_REQUESTED, single_object=True)


def rebuild_states() -> dict[str, RebuildState]:
    """The latest rebuild request per projection, finished once a rebuilt generation took over after it."""
    content_type = ContentType.objects.get_for_model(Checkpoint)
    rebuilt_at = dict(Checkpoint.objects.values_list("name", "rebuilt_at"))
    states = {}
    for name in PROJECTIONS:
        entry = (
            LogEntry.objects.filter(
                content_type=content_type,
                object_id=segments.checkpoint_names(name)[0],
                change_message=REBUILD_REQUESTED,
            )
            .select_related("user")
            .order_by("-action_time")
            .first()
        )
        if entry is not None:
            taken_over = rebuilt_at.get(segments.checkpoint_names(name)[0])
            finished = taken_over is not None and taken_over >= entry.action_time
            replayed = None if finished else progress.rebuild_progress(name)
            states[name] = RebuildState(entry.action_time, entry.user.get_username(), finished, replayed)
    return states


def report_replayed(request: HttpRequest, label: str, replayed: parking.Replayed) -> None:
    if replayed.stuck_at is None:
        behind = f" with the {replayed.applied - 1} held behind it" if replayed.applied > 1 else ""
        messages.success(request, f"{label}{behind} applied; no longer parked.")
        return
    error = short_error(replayed.failure.error) if replayed.failure else ""
    messages.warning(
        request,
        f"{label}: {replayed.applied} applied, then #{replayed.stuck_at} failed ({error}); "
        "it and the events behind it stay parked.",
    )


@admin.register(Checkpoint)
class ProjectionsAdmin(admin.ModelAdmin):
    """One page instead of a list of checkpoints: a checkpoint is never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Checkpoint | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Checkpoint | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("rebuild/", view(require_POST(self.rebuild_view)), name="projections_rebuild"),
            path("parked/<int:pk>/retry/", view(require_POST(self.retry_view)), name="projections_parked_retry"),
            path("parked/<int:pk>/skip/", view(require_POST(self.skip_view)), name="projections_parked_skip"),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:projections_checkpoint_changelist"))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        states = rebuild_states()
        rows = [
            ProjectionRow(status, short_error(status.last_error), states.get(status.name))
            for status in projection_statuses()
        ]
        rebuilding = any(row.rebuild and row.rebuild.running for row in rows)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Projections",
            "rows": rows,
            "parked": ParkedEvent.objects.order_by("projection", "position")[:PARKED_SHOWN],
            "parked_shown": PARKED_SHOWN,
            "may_rebuild": request.user.has_perm("projections.change_checkpoint"),
            "may_retry": request.user.has_perm("projections.change_parkedevent"),
            "may_skip": request.user.has_perm("projections.delete_parkedevent"),
            "refresh_seconds": REFRESH_SECONDS if rebuilding else None,
        }
        return TemplateResponse(request, "admin/projections/status.html", context)

    def back(self) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:projections_checkpoint_changelist"))

    def rebuild_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("projections.change_checkpoint"):
            raise PermissionDenied
        name = request.POST.get("projection", "")
        names = [name] if name else list(PROJECTIONS)
        if any(each not in PROJECTIONS for each in names):
            messages.error(request, f"No projection is called {name!r}.")
            return self.back()
        for each in names:
            try:
                tasks.rebuild.apply_async(args=[each], retry=False)
            except Exception as error:  # the broker's client raises many kinds
                messages.error(request, f"Could not queue the rebuild of {each}: {error}")
                return self.back()
            log_rebuild_requested(staff_id(request), each)
        messages.success(request, f"Rebuild of {', '.join(names)} queued; this page follows its progress.")
        return self.back()

    @staticmethod
    def parked_event(request: HttpRequest, pk: int, *, permission: str) -> ParkedEvent:
        """The parked event a retry or skip acts on, if the staff member may act on parked events that way."""
        if not request.user.has_perm(permission):
            raise PermissionDenied
        return get_object_or_404(ParkedEvent, pk=pk)

    def act_on_parked(
        self, request: HttpRequest, pk: int, *, permission: str, act: Callable[[int], parking.Replayed]
    ) -> tuple[ParkedEvent, parking.Replayed] | None:
        """Retry or skip one parked event; None, with a message saying why, when nothing could be applied."""
        parked = self.parked_event(request, pk, permission=permission)
        try:
            return parked, act(parked.pk)
        except parking.ProjectionBusy:
            messages.warning(request, f"{parked.projection} is busy (a batch or a rebuild); try again in a moment.")
        except runner.EventFailed as failure:
            messages.error(request, f"{parked} failed again: {short_error(failure.error)}. It stays parked.")
        return None

    def retry_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if acted := self.act_on_parked(request, pk, permission="projections.change_parkedevent", act=parking.retry):
            parked, replayed = acted
            LogEntry.objects.log_actions(staff_id(request), [parked], DELETION, "Retried: applied.", single_object=True)
            report_replayed(request, str(parked), replayed)
        return self.back()

    def skip_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if acted := self.act_on_parked(request, pk, permission="projections.delete_parkedevent", act=parking.skip):
            parked, replayed = acted
            LogEntry.objects.log_actions(
                staff_id(request), [parked], DELETION, "Skipped: never applied.", single_object=True
            )
            messages.success(request, f"{parked} skipped; the admin log keeps a note of it.")
            if replayed.applied or replayed.stuck_at:
                report_replayed(request, "The events it held", replayed)
        return self.back()


from projections.reactors import admin as reactor_admin  # noqa: E402, F401  (the outbox page registers itself)
