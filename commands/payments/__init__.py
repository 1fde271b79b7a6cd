"""Card payments: a pluggable gateway (settings.PAYMENT_GATEWAY) and the storefront's pay step on top of it."""
