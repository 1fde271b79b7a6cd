from django.apps import AppConfig


class CommandsConfig(AppConfig):
    name = "commands"
    verbose_name = "Write side"

    def ready(self) -> None:
        # Users, groups and permissions live on the write side: whoever changes them tells the permission cache.
        from config.permission_cache import connect_signals

        connect_signals()
