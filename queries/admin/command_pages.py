"""The page every admin command form is rendered on, and the permission check in front of it."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest
from django.template.response import TemplateResponse


def require_permissions(request: HttpRequest, model_admin: admin.ModelAdmin, *permissions: str) -> None:
    """A command form needs the read page it lives on and the command's own permission."""
    if not model_admin.has_view_permission(request) or not request.user.has_perms(permissions):
        raise PermissionDenied


def render_command_form(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    *,
    form: forms.Form,
    title: str,
    submit_label: str,
    original: Model | None = None,
    intro: str = "",
    danger: bool = False,
) -> TemplateResponse:
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "form": form,
        "original": original,
        "intro": intro,
        "submit_label": submit_label,
        "danger": danger,
    }
    return TemplateResponse(request, "admin/queries/command_form.html", context)
