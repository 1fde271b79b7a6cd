from django.apps import AppConfig


class ProjectionsConfig(AppConfig):
    name = "projections"
    verbose_name = "Projections"

    def ready(self) -> None:
        from projections import receivers, registry  # noqa: F401  (connect the signal, load projections)
