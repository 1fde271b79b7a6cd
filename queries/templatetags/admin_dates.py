"""The admin's date drill-down without a SELECT DISTINCT over every row of a big table.

Django lists the years (months, days) that have rows with `SELECT DISTINCT date_trunc(...)`, a full
scan: half a second on a million orders, on every list page. Here the choices are every period between
the first and the last date, which two index lookups (MIN, MAX) give; a period without rows is rare in a
shop and merely shows an empty list.
"""

import datetime
from collections.abc import Iterator
from typing import Any, cast

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.contrib.admin.views.main import ChangeList
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

register = template.Library()


def periods(first: datetime.date, last: datetime.date, kind: str) -> Iterator[datetime.date]:
    current = {"year": first.replace(month=1, day=1), "month": first.replace(day=1), "day": first}[kind]
    while current <= last:
        yield current
        if kind == "year":
            current = current.replace(year=current.year + 1)
        elif kind == "month":
            current = (current.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        else:
            current += datetime.timedelta(days=1)


def as_local_date(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return value


class PeriodsBetweenFirstAndLast:
    """Stands in for the changelist's queryset where Django's date_hierarchy asks it for dates."""

    def __init__(self, queryset: QuerySet) -> None:
        self.queryset = queryset
        self.bounds: dict[str, Any] | None = None

    def aggregate(self, **kwargs: Any) -> dict[str, Any]:
        """Django asks for the first and last date itself at the top level; remembered for datetimes()."""
        self.bounds = self.queryset.aggregate(**kwargs)
        return self.bounds

    def datetimes(self, field_name: str, kind: str, *args: Any, **kwargs: Any) -> list[datetime.date]:
        bounds = self.bounds or self.queryset.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        return list(periods(as_local_date(bounds["first"]), as_local_date(bounds["last"]), kind))

    dates = datetimes


class QuickDatesChangeList:
    def __init__(self, changelist: ChangeList) -> None:
        self._changelist = changelist
        self.queryset = PeriodsBetweenFirstAndLast(changelist.queryset)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._changelist, name)


@register.inclusion_tag("admin/date_hierarchy.html")
def quick_date_hierarchy(changelist: ChangeList) -> dict[str, Any]:
    # The stand-in has every attribute date_hierarchy reads; the tag is only used where date_hierarchy is set.
    return date_hierarchy(cast(ChangeList, QuickDatesChangeList(changelist))) or {}
