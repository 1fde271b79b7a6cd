from django.apps import AppConfig


class QueriesConfig(AppConfig):
    name = "queries"
    verbose_name = "Read models"

    def ready(self) -> None:
        from queries.storefront import cart  # noqa: F401  # connects the log-in cart merge
