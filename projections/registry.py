"""Every projection the runner keeps up to date, by name."""

from projections.base import Projection
from projections.catalog import CatalogProjection
from projections.customers import CustomerSummaryProjection
from projections.event_feed import EventFeedProjection
from projections.orders import OrderDetailsProjection

PROJECTIONS: dict[str, Projection] = {
    projection.name: projection
    for projection in (
        CatalogProjection(),
        CustomerSummaryProjection(),
        OrderDetailsProjection(),
        EventFeedProjection(),
    )
}
