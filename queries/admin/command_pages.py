"""The one flow of every admin command page: check permissions, validate the form, send, show a refusal, wait.

A refusal lands on the form field it concerns (`CommandRejected.field`, `InvalidFields.errors`), so a form
needs no table from codes to fields; anything else is said above the form.
"""

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, Self

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from commands.errors import CommandError, CommandRejected, InvalidFields, InvalidReference
from commands.handlers.command import CommandHandler
from commands.handlers.recording import CommandResult
from queries.admin import command_runner
from queries.admin.read_model_admin import ReadModelAdmin, admin_url


class VersionedForm(forms.Form):
    """Carries the version the staff member saw, so a concurrent change is refused, not overwritten."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # The row's fields the form edits: prefilled from the read model; only the changed ones are sent.
    edits: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def for_row(cls, row: Any, data: Any = None, files: Any = None, **initial: Any) -> Self:
        prefilled = {field: getattr(row, field) for field in cls.edits}
        return cls(data, files, initial={**prefilled, "expected_version": row.version, **initial})

    def changed(self) -> dict[str, Any]:
        return {field: self.cleaned_data[field] for field in self.edits if field in self.changed_data}


@dataclasses.dataclass(frozen=True)
class CommandPage:
    """How a command form is presented."""

    title: str
    submit_label: str
    original: Model | None = None
    intro: str = ""
    danger: bool = False


def require_permissions(request: HttpRequest, model_admin: admin.ModelAdmin, *permissions: str) -> None:
    """A command form needs the read page it lives on and the command's own permission."""
    if not model_admin.has_view_permission(request) or not request.user.has_perms(permissions):
        raise PermissionDenied


def command_form_view(
    model_admin: ReadModelAdmin,
    request: HttpRequest,
    *,
    form: forms.Form,
    handler: CommandHandler[Any],
    page: CommandPage,
    done: Callable[[], str],
    target: dict[str, Any] | None = None,
    arguments: Callable[[], dict[str, Any] | None] | None = None,
    refused: Callable[[dict[str, Any]], None] | None = None,
) -> HttpResponse:
    """Render the form; on a valid POST send the command as the staff user and go to the row's page.

    The handler gets `target` (the aggregate's id) and `arguments()`: by default the form's cleaned data;
    None means nothing changed, and nothing is sent. `refused(arguments)` undoes what `arguments()` did
    outside the command (a stored upload) when the command is refused.
    """
    if request.method == "POST" and form.is_valid():
        command_arguments = arguments() if arguments is not None else form.cleaned_data
        if command_arguments is None:
            messages.info(request, "Nothing changed.")
            assert page.original is not None
            return HttpResponseRedirect(admin_url(model_admin.model, page.original.pk))
        try:
            result = handler.send(request.user, **(target or {}), **command_arguments)
        except CommandError as error:
            if refused is not None:
                refused(command_arguments)
            show_refusal(form, error, label=str(model_admin.model._meta.verbose_name))
        else:
            return after_command(model_admin, request, result, done())
    return render_command_form(request, model_admin, form=form, page=page)


def show_refusal(form: forms.Form, error: CommandError, *, label: str) -> None:
    if isinstance(error, CommandRejected) and error.field in form.fields:
        form.add_error(error.field, error.detail)
    elif isinstance(error, InvalidFields) and not isinstance(error, InvalidReference):
        for field, field_errors in error.errors.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, command_runner.refusal_message(error, label=label))


def after_command(
    model_admin: ReadModelAdmin, request: HttpRequest, result: CommandResult, done: str
) -> HttpResponseRedirect:
    """The row's page once the read side shows the command's effect (or the list while the row is on its way)."""
    projected = command_runner.wait_until_projected(result.position, model_admin.projections)
    messages.success(request, command_runner.saved_message(done, projected=projected))
    model = model_admin.model
    if projected or model.objects.filter(pk=result.aggregate_id).exists():
        return HttpResponseRedirect(admin_url(model, result.aggregate_id))
    opts = model._meta
    return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))


def render_command_form(
    request: HttpRequest, model_admin: admin.ModelAdmin, *, form: forms.Form, page: CommandPage
) -> TemplateResponse:
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": page.title,
        "form": form,
        "original": page.original,
        "intro": page.intro,
        "submit_label": page.submit_label,
        "danger": page.danger,
    }
    return TemplateResponse(request, "admin/queries/command_form.html", context)
