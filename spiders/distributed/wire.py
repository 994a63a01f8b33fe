"""Requests in the shared Redis queue as versioned JSON (``SCHEDULER_SERIALIZER``), not pickle.

scrapy-redis pickles requests by default, so whoever can write to that Redis could run
code in every worker. Here a request travels as JSON with a schema version; bytes
(headers, body) as base64, discovery evidence as its fields. Reading one back is
strict: only the plain ``Request`` class, callbacks that are the spiders' own parse and
error methods, and known value shapes; anything else is ``RequestRefused``.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
from typing import Any

from pipeline.items import Evidence

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
MAX_REQUEST_BYTES = 1024 * 1024
_CALLBACK_NAMES = frozenset({"on_error", "ignore_probe"})
_CLASSES = frozenset({None, "scrapy.Request", "scrapy.http.Request", "scrapy.http.request.Request"})
_EVIDENCE_FIELDS = {f.name for f in dataclasses.fields(Evidence)}


class RequestRefused(ValueError):
    """A queued request that is not one a worker wrote (crafted, corrupt, another version)."""


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"$m": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, Evidence):
        return {"$evidence": {k: _encode(v) for k, v in dataclasses.asdict(value).items()}}
    raise TypeError(f"cannot queue a {type(value).__name__}")


def _decode(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        raise RequestRefused("nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_decode(v, depth + 1) for v in value]
    if not isinstance(value, dict) or len(value) != 1:
        raise RequestRefused(f"unexpected value {str(value)[:80]!r}")
    ((tag, inner),) = value.items()
    if tag == "$b" and isinstance(inner, str):
        try:
            return base64.b64decode(inner, validate=True)
        except ValueError as exc:
            raise RequestRefused(f"bad base64: {exc}") from None
    if tag == "$m" and isinstance(inner, list):
        out: dict[Any, Any] = {}
        for pair in inner:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise RequestRefused("a mapping entry is not a pair")
            key = _decode(pair[0], depth + 1)
            if not isinstance(key, (str, bytes, int)):
                raise RequestRefused("a mapping key is not a string")
            out[key] = _decode(pair[1], depth + 1)
        return out
    if tag == "$evidence" and isinstance(inner, dict) and set(inner) <= _EVIDENCE_FIELDS:
        fields = {k: _decode(v, depth + 1) for k, v in inner.items()}
        if "authors" in fields:
            authors = fields["authors"]
            if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
                raise RequestRefused("evidence authors are not strings")
            fields["authors"] = tuple(authors)
        if not all(isinstance(v, (str, tuple)) or v is None for v in fields.values()):
            raise RequestRefused("evidence fields are not strings")
        return Evidence(**fields)
    raise RequestRefused(f"unknown value tag {tag!r}")


def dumps(request: dict[str, Any]) -> bytes:
    """scrapy-redis's serializer API: a ``Request.to_dict()`` as versioned JSON.

    Meta values that cannot travel (none of the spiders' own) are dropped, with a warning.
    """
    meta = dict(request.get("meta") or {})
    for key, value in list(meta.items()):
        try:
            _encode(value)
        except TypeError as exc:
            log.warning("not queueing meta %r of %s: %s", key, request.get("url"), exc)
            del meta[key]
    body = {k: _encode(v) for k, v in {**request, "meta": meta}.items()}
    return json.dumps({"v": SCHEMA_VERSION, "request": body}, separators=(",", ":")).encode()


def loads(raw: bytes | str) -> dict[str, Any]:
    """The request dict for ``request_from_dict``; ``RequestRefused`` for anything else."""
    if len(raw) > MAX_REQUEST_BYTES:
        raise RequestRefused(f"queued request of {len(raw)} bytes")
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise RequestRefused("not a JSON request (pickle is refused)") from None
    if not isinstance(envelope, dict) or envelope.get("v") != SCHEMA_VERSION:
        raise RequestRefused("unknown request schema version")
    fields = envelope.get("request")
    if not isinstance(fields, dict):
        raise RequestRefused("no request in the envelope")
    request = {k: _decode(v) for k, v in fields.items()}
    if request.get("_class") not in _CLASSES:
        raise RequestRefused(f"request class {request.get('_class')!r} is not allowed")
    for key in ("callback", "errback"):
        name = request.get(key)
        if name is not None and not (
            isinstance(name, str) and (name.startswith("parse") or name in _CALLBACK_NAMES)
        ):
            raise RequestRefused(f"{key} {name!r} is not one of the spiders' callbacks")
    if not isinstance(request.get("url"), str):
        raise RequestRefused("request without a URL")
    return request
