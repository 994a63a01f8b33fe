"""What workers push to Redis for the loader: JSON with a schema version, never pickle.

Anyone who can write to the Redis of a deployment could make a pickle-reading loader
run code. JSON cannot execute anything, and every item is validated into the declared
record types (``pydantic`` over the frozen dataclasses of ``pipeline.items``) before the
loader looks at it; anything else is refused with the reason (``EnvelopeError``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from pipeline.items import Article, ExtractionFailure, FetchFailure
from warehouse.backfill import Progress

SCHEMA_VERSION = 2  # 1 was pickle
MAX_ITEM_BYTES = 64 * 1024 * 1024  # an article is a few KB; a crafted item may be huge


@dataclass(frozen=True, slots=True)
class PageResult:
    """One fetched page's extraction result, as a worker pushes it."""

    requested_url: str
    outlet: str
    fetched_at: datetime
    discovered_via: str
    bytes: int
    result: Article | ExtractionFailure
    run_id: int | None = None
    worker: str = ""
    source: str = "live"  # live, or the archive a backfilled page came from (warc, ccnews)


class EnvelopeError(ValueError):
    """An item this loader cannot read (another schema version, corrupt or crafted data)."""


# bytes (an article's MinHash signature) travel as base64, the default for JSON here
_CONFIG = {"ser_json_bytes": "base64", "val_json_bytes": "base64"}
_KINDS: dict[str, TypeAdapter[Any]] = {
    "page": TypeAdapter(tuple[PageResult], config=_CONFIG),  # type: ignore[arg-type]  # a plain dict of pydantic settings
    "failure": TypeAdapter(tuple[FetchFailure, int | None], config=_CONFIG),  # type: ignore[arg-type]  # a plain dict of pydantic settings
    "validators": TypeAdapter(tuple[str, str | None, str | None], config=_CONFIG),  # type: ignore[arg-type]  # a plain dict of pydantic settings
    # a backfill item's resume point, pushed behind the pages it covers (distributed backfill)
    "progress": TypeAdapter(tuple[Progress], config=_CONFIG),  # type: ignore[arg-type]  # a plain dict of pydantic settings
}
_SINGLE = ("page", "progress")  # kinds whose payload is one record, sent as a 1-tuple


def encode(kind: str, payload: Any) -> bytes:
    """``payload``: a PageResult ("page"), ``(FetchFailure, run_id)`` ("failure"),
    ``(url, etag, last_modified)`` ("validators") or a backfill ``Progress`` ("progress")."""
    adapter = _KINDS[kind]
    data = adapter.dump_json((payload,) if kind in _SINGLE else payload)
    head = json.dumps({"v": SCHEMA_VERSION, "kind": kind}).encode()[:-1]
    return head + b', "data": ' + data + b"}"


def decode(raw: bytes | str) -> tuple[str, Any]:
    """``(kind, payload)``, or EnvelopeError saying why the item is refused."""
    if len(raw) > MAX_ITEM_BYTES:
        raise EnvelopeError(f"item of {len(raw)} bytes, over {MAX_ITEM_BYTES}")
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise EnvelopeError(f"not a JSON item ({type(exc).__name__}); pickle is refused") from None
    if not isinstance(envelope, dict) or envelope.get("v") != SCHEMA_VERSION:
        version = envelope.get("v") if isinstance(envelope, dict) else None
        raise EnvelopeError(f"item schema version {version!r}, this loader reads {SCHEMA_VERSION}")
    kind = envelope.get("kind")
    if kind not in _KINDS:
        raise EnvelopeError(f"unknown item kind {kind!r}")
    try:
        value = _KINDS[kind].validate_json(json.dumps(envelope.get("data")))
    except (ValidationError, ValueError, RecursionError) as exc:
        raise EnvelopeError(f"invalid {kind} item: {str(exc).splitlines()[0]}"[:300]) from None
    return kind, value[0] if kind in _SINGLE else value
