from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Project-wide wiring that must exist in every process (web, worker, management commands)."""

    name = "config"

    def ready(self) -> None:
        from config import token_cache, token_revocation

        # A group change in `setup_groups` or a worker must invalidate cached tokens as much as one in the admin.
        token_cache.connect_receivers()
        token_revocation.connect_receivers()
