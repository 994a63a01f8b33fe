"""Backfill work items in the crawl's job queue: one WARC file per job, leased while read.

WARC files are independent pieces of work, so in distributed mode each one is a job in the
same Redis list as the outlets' discovery jobs, and any worker takes it. A taken job is
leased like a crawl request: it sits in the worker's backfill in-flight hash, with the
resume point of its last pushed checkpoint, until its final checkpoint is pushed; a
worker that dies (or stops) puts it back at the front of the queue, so the next worker
goes on from there. Jobs are JSON (never pickle: Redis is outside the process).

Importing this module does not import Scrapy or redis (the enqueuing command and
``backfill status`` do not need them).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from pipeline.queue_keys import Keys

if TYPE_CHECKING:
    import redis

JOB_KIND = "backfill"
JOB_VERSION = 1
SOURCES = ("warc", "ccnews")  # file-based sources; Wayback queries stay single-process
MAX_JOB_BYTES = 64 * 1024


class JobRefused(ValueError):
    """A queued backfill job this worker will not run (crafted, corrupt, another version)."""


@dataclass(frozen=True)
class BackfillJob:
    """One WARC file (a path the workers can read, or a CC-NEWS URL) and where to resume."""

    source: str  # warc | ccnews
    item: str  # the key its progress is recorded under: the absolute path or the URL
    position: int = 0  # byte offset of the next record to read
    records: int = 0  # records read before ``position``
    articles: int = 0  # pages handed to extraction before ``position``
    all_hosts: bool = False
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def dumps(self) -> str:
        return json.dumps(
            {
                "kind": JOB_KIND, "v": JOB_VERSION, "id": self.id, "source": self.source,
                "item": self.item, "position": self.position, "records": self.records,
                "articles": self.articles, "all_hosts": self.all_hosts,
            }
        )  # fmt: skip

    @classmethod
    def loads(cls, raw: bytes | str) -> BackfillJob:
        """Strict: the fields this version writes, with their types, or ``JobRefused``."""
        if len(raw) > MAX_JOB_BYTES:
            raise JobRefused(f"a backfill job of {len(raw)} bytes")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise JobRefused("not a JSON job (pickle is refused)") from None
        if not is_backfill(data) or data.get("v") != JOB_VERSION:
            raise JobRefused(f"not a version-{JOB_VERSION} backfill job")
        if data.get("source") not in SOURCES:
            raise JobRefused(f"unknown backfill source {data.get('source')!r}")
        position, records, articles = (data.get(k) for k in ("position", "records", "articles"))
        if not all(type(v) is int and v >= 0 for v in (position, records, articles)):
            raise JobRefused("position, records and articles must be counts")
        item, job_id = data.get("item"), data.get("id")
        if not (isinstance(item, str) and item and isinstance(job_id, str)):
            raise JobRefused("a backfill job names its item and id")
        if type(data.get("all_hosts")) is not bool:
            raise JobRefused("all_hosts must be true or false")
        return cls(data["source"], item, position, records, articles, data["all_hosts"], job_id)


def is_backfill(data: Any) -> bool:
    """Whether a decoded job is a backfill job (the others are outlets' discovery jobs)."""
    return isinstance(data, dict) and data.get("kind") == JOB_KIND


# Take up to ARGV[1] jobs from the head of the queue, in order. A backfill job is leased
# (copied into this worker's in-flight hash under the token ARGV[2]) in the same step; a
# worker takes at most one, and only when ARGV[3] is '1' (it is not reading one already).
# A backfill job it cannot take stays at the head for the next free worker.
_POP = """
local out = {}
local taken = false
for i = 1, tonumber(ARGV[1]) do
  local job = redis.call('LINDEX', KEYS[1], 0)
  if not job then break end
  local ok, decoded = pcall(cjson.decode, job)
  if ok and type(decoded) == 'table' and decoded['kind'] == 'backfill' then
    if ARGV[3] ~= '1' or taken then break end
    redis.call('HSET', KEYS[2], ARGV[2], job)
    taken = true
  end
  redis.call('LPOP', KEYS[1])
  table.insert(out, job)
end
return out
"""

# Put a worker's leased backfill jobs (with their last pushed resume points) back at the
# head of the queue, so that they are taken before newer work.
_REQUEUE = """
local jobs = redis.call('HVALS', KEYS[2])
for i = #jobs, 1, -1 do redis.call('LPUSH', KEYS[1], jobs[i]) end
redis.call('DEL', KEYS[2])
return #jobs
"""


def pop_jobs(
    server: redis.Redis, keys: Keys, worker: str, count: int, take_backfill: bool
) -> tuple[list[bytes], tuple[str, bytes] | None]:
    """Up to ``count`` jobs; and the backfill job among them, leased, as (token, job)."""
    token = uuid.uuid4().hex
    raw = server.eval(
        _POP, 2, keys.discovery, keys.backfill_inflight(worker), count, token,
        "1" if take_backfill else "0",
    )  # fmt: skip
    jobs = cast("list[bytes]", raw or [])
    leased = next((j for j in jobs if _looks_like_backfill(j)), None)
    if leased is None:
        return jobs, None
    return [j for j in jobs if j is not leased], (token, leased)


def _looks_like_backfill(raw: bytes) -> bool:
    try:
        return is_backfill(json.loads(raw))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False


def requeue_backfill(server: redis.Redis, keys: Keys, worker: str) -> int:
    """Put a (dead or stopping) worker's backfill job back in the queue; atomic."""
    return int(server.eval(_REQUEUE, 2, keys.discovery, keys.backfill_inflight(worker)))


@dataclass(frozen=True)
class QueuedJob:
    """A backfill job in Redis: waiting in the queue, or held by a worker."""

    job: BackfillJob
    worker: str | None  # None: waiting
    live: bool  # the holding worker's lease is current (False: it will be requeued)


def backfill_queue(server: redis.Redis, keys: Keys | None = None) -> list[QueuedJob]:
    """Every backfill job in Redis: held ones first (with their last pushed checkpoint)."""
    keys = keys or Keys()
    out: list[QueuedJob] = []
    for raw_worker in sorted(cast("set[bytes]", server.smembers(keys.workers))):
        worker = raw_worker.decode()
        live = bool(server.exists(keys.lease(worker)))
        for raw in cast("list[bytes]", server.hvals(keys.backfill_inflight(worker))):
            job = _decoded(raw)
            if job is not None:
                out.append(QueuedJob(job, worker, live))
    for raw in cast("list[bytes]", server.lrange(keys.discovery, 0, -1)):
        job = _decoded(raw)  # None for the outlets' discovery jobs
        if job is not None:
            out.append(QueuedJob(job, None, False))
    return out


def _decoded(raw: bytes) -> BackfillJob | None:
    try:
        return BackfillJob.loads(raw)
    except JobRefused:
        return None
