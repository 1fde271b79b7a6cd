"""JSON in bulk, through orjson: the log's payloads a rebuild reads and the JSON columns it writes.

Why: at a rebuild of all four projections the standard library's json was a sixth of the process's CPU (loads of
every payload read from the log, dumps of every JSON column copied out: the event feed's payloads, the order
documents' lines); orjson does both in a fraction of that. Its results are the same values: objects, lists,
strings, ints and floats. What it refuses goes to the standard library instead, which reads or writes it as
before (or refuses it as before): integers past 64 bits, dict keys that are not strings, decimals, datetimes and
dataclasses. orjson does write UUIDs and enum members, which json.dumps refuses without an encoder: the handlers
build their JSON from plain values (the order lines' ids as strings), so no read model holds either.
"""

import json
from typing import Any

import orjson

# Datetimes, dataclasses and subclasses of str, int, dict and list (orjson would write them its own way) go to the
# standard library, which writes or refuses them as Django's JSONField does.
PASS_THROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(bytes(data) if isinstance(data, memoryview) else data)


def dumps(value: Any, encoder: type[json.JSONEncoder] | None = None) -> bytes:
    """The value as UTF-8 JSON text; with an `encoder` (a JSONField's), through the standard library."""
    if encoder is None:
        try:
            return orjson.dumps(value, option=PASS_THROUGH)
        except TypeError:  # orjson.JSONEncodeError: what only the standard library writes (or refuses)
            pass
    return json.dumps(value, cls=encoder).encode()
