"""Full-text search over the read models: one document expression per model, indexed by the same expression.

PostgreSQL matches `search` (web-search syntax) against a weighted tsvector and ranks the matches; a GIN index
on exactly that expression makes it an index lookup rather than a to_tsvector() of every row. The substring
match on one identifying field (a SKU, an email) that search has always also accepted stays, on a trigram
index, so both halves of the OR are indexed. SQLite (`make run`'s embedded mode) gets substring matches only.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.migrations.operations.base import Operation
from django.db.models import F, FloatField, Q, QuerySet, TextField
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast, Upper

CONFIG = "simple"
RANK = "search_rank"  # the annotation a ranked search adds; ordering by it puts the best match first


@dataclass(frozen=True)
class Searchable:
    """The fields a model is searched by: `primary` weighs more than `secondary`; `substring` also matches inside."""

    primary: tuple[str, ...]
    secondary: tuple[str, ...]
    substring: str

    def document(self) -> CombinedExpression:
        return SearchVector(*self.primary, weight="A", config=CONFIG) + SearchVector(
            *self.secondary, weight="B", config=CONFIG
        )

    def indexes(self, prefix: str) -> list[GinIndex]:
        """The GIN indexes behind both halves of the match (PostgreSQL only: see PostgreSQLOnly)."""
        substring = OpClass(Upper(Cast(self.substring, output_field=TextField())), name="gin_trgm_ops")
        return [
            GinIndex(self.document(), name=f"{prefix}_search"),
            GinIndex(substring, name=f"{prefix}_{self.substring}_trgm"),
        ]

    def every_field(self) -> tuple[str, ...]:
        return (*self.primary, *self.secondary)


PRODUCT_SEARCH = Searchable(primary=("sku", "name"), secondary=("description",), substring="sku")
CUSTOMER_SEARCH = Searchable(primary=("name",), secondary=("email",), substring="email")


def full_text(queryset: QuerySet, searchable: Searchable, text: str) -> QuerySet:
    """Matches of `text`, annotated with RANK on PostgreSQL (the ordering filter sorts by it by default)."""
    text = text.strip()
    if not text:
        return queryset
    if connections[queryset.db].vendor != "postgresql":
        match = Q()
        for field in searchable.every_field():
            match |= Q(**{f"{field}__icontains": text})
        return queryset.filter(match)
    query = SearchQuery(text, config=CONFIG, search_type="websearch")
    matched = queryset.alias(search_document=searchable.document()).filter(
        Q(search_document=query) | Q(**{f"{searchable.substring}__icontains": text})
    )
    # ts_rank() is a float4; as a float8 it survives the trip through a pagination cursor exactly (a float4
    # printed and read back compares unequal to itself, and the next page would repeat the last one).
    return matched.annotate(**{RANK: Cast(SearchRank(F("search_document"), query), output_field=FloatField())})


class PostgreSQLOnly(Operation):
    """A schema operation that only PostgreSQL runs (GIN, trigrams); the state changes everywhere."""

    reversible = True

    def __init__(self, operation: Operation) -> None:
        self.operation = operation

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "queries.search.PostgreSQLOnly", [self.operation], {}

    def state_forwards(self, app_label: str, state: Any) -> None:
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"{self.operation.describe()} (PostgreSQL only)"
