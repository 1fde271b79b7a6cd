"""Send read models and projection state to the read database, everything else to the write one.

Reads of the read models inside a safe web request go to the replica it chose (config/replicas.py), if any.
"""

from typing import Any

from config.replicas import serving_replica

READ_APPS = frozenset({"queries", "projections"})


def alias_for(app_label: str) -> str:
    return "read" if app_label in READ_APPS else "default"


class ReadWriteRouter:
    def db_for_read(self, model: type, **hints: Any) -> str:
        alias = alias_for(model._meta.app_label)  # type: ignore[attr-defined]
        return (serving_replica() or alias) if alias == "read" else alias

    def db_for_write(self, model: type, **hints: Any) -> str:
        return alias_for(model._meta.app_label)  # type: ignore[attr-defined]

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return alias_for(obj1._meta.app_label) == alias_for(obj2._meta.app_label)

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == alias_for(app_label)
