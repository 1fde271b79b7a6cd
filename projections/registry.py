"""Every consumer the runner keeps up to date, by name: the projections, and the reactors."""

from projections.base import Projection
from projections.catalog import CatalogProjection
from projections.customers import CustomerSummaryProjection
from projections.event_feed import EventFeedProjection
from projections.orders import OrderDetailsProjection
from projections.reactors import Reactor
from projections.reactors.emails import OrderEmailsReactor

PROJECTIONS: dict[str, Projection] = {
    projection.name: projection
    for projection in (
        CatalogProjection(),
        CustomerSummaryProjection(),
        OrderDetailsProjection(),
        EventFeedProjection(),
    )
}
# Run like projections (same task, checkpoint, lock); never rebuilt or verified: a replay would act again.
REACTORS: dict[str, Reactor] = {reactor.name: reactor for reactor in (OrderEmailsReactor(),)}
CONSUMERS: dict[str, Projection] = {**PROJECTIONS, **REACTORS}
