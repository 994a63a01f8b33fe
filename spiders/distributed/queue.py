"""scrapy-redis's scheduler, queue and dupefilter, adapted for crawling that survives kill -9.

Requests travel as versioned JSON (``spiders.distributed.wire``), never pickle; one that
does not read back is dead-lettered to ``<requests key>:dead`` and never run.

scrapy-redis pops a request and forgets it: a worker killed mid-download loses it. Here
each pop is leased: it is recorded in the worker's in-flight hash until the request's
result (an item, a failure, or its follow-up requests) is in Redis, and requeued when
the worker's lease expires. The queue is one priority zset per outlet, served round
robin, so a large outlet does not starve the others.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import redis
from scrapy import Request
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler

from pipeline.queue_keys import ROUND_TTL_S, Keys, url_fingerprint
from pipeline.urls import canonicalize
from spiders.distributed.backfill_jobs import requeue_backfill
from spiders.distributed.wire import RequestRefused

log = logging.getLogger(__name__)

TOKEN = "mw_token"
DEAD_KEPT = 10_000  # refused requests kept for inspection (the newest)  # request.meta key: the lease of a popped request

_PUSH = """
local outlet = ARGV[3]
redis.call('ZADD', KEYS[1] .. ':q:' .. outlet, ARGV[2], ARGV[1])
if redis.call('SADD', KEYS[1] .. ':active', outlet) == 1 then
  redis.call('RPUSH', KEYS[1] .. ':ring', outlet)
end
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[2], ARGV[4]) end
return 1
"""

_POP = """
local ring = KEYS[1] .. ':ring'
local n = redis.call('LLEN', ring)
for i = 1, n do
  local outlet = redis.call('LMOVE', ring, ring, 'LEFT', 'RIGHT')
  if not outlet then return false end
  local got = redis.call('ZPOPMIN', KEYS[1] .. ':q:' .. outlet)
  if #got > 0 then
    redis.call('HSET', KEYS[2], ARGV[1], outlet .. '\\n' .. got[2] .. '\\n' .. got[1])
    return got[1]
  end
  redis.call('LREM', ring, 0, outlet)
  redis.call('SREM', KEYS[1] .. ':active', outlet)
end
return false
"""

_REQUEUE = """
local entries = redis.call('HGETALL', KEYS[2])
local n = 0
for i = 2, #entries, 2 do
  local v = entries[i]
  local a = string.find(v, '\\n', 1, true)
  local b = string.find(v, '\\n', a + 1, true)
  local outlet = string.sub(v, 1, a - 1)
  redis.call('ZADD', KEYS[1] .. ':q:' .. outlet, string.sub(v, a + 1, b - 1), string.sub(v, b + 1))
  if redis.call('SADD', KEYS[1] .. ':active', outlet) == 1 then
    redis.call('RPUSH', KEYS[1] .. ':ring', outlet)
  end
  n = n + 1
end
redis.call('DEL', KEYS[2])
return n
"""


def outlet_tag(request: Request) -> str:
    """The queue a request goes to: its outlet (newline-free, it separates fields in Lua)."""
    return str(request.meta.get("outlet") or "-").replace("\n", " ")


def requeue_inflight(server: redis.Redis, keys: Keys, worker: str) -> int:
    """Put a (dead or stopping) worker's leased requests and backfill job back in the
    queue; each atomic."""
    moved = int(server.eval(_REQUEUE, 2, keys.requests, keys.inflight(worker)))
    return moved + requeue_backfill(server, keys, worker)


def recover_dead_workers(server: redis.Redis, keys: Keys, alive: str | None = None) -> int:
    """Requeue the requests of every registered worker whose lease has expired."""
    moved = 0
    for raw in server.smembers(keys.workers):
        worker = raw.decode() if isinstance(raw, bytes) else str(raw)
        if worker == alive or server.exists(keys.lease(worker)):
            continue
        count = requeue_inflight(server, keys, worker)
        server.srem(keys.workers, worker)
        if count:
            log.warning("requeued %d request(s) of worker %s (lease expired)", count, worker)
        moved += count
    return moved


class OutletQueue(Base):
    """Per-outlet priority zsets behind one round-robin ring, with leased pops."""

    def __init__(self, server: redis.Redis, spider: Any, key: str, serializer: Any = None):
        super().__init__(server, spider, key, serializer)
        self.inflight_key = spider.settings.get("MEDIAWATCH_INFLIGHT_KEY")
        self._push = server.register_script(_PUSH)
        self._pop = server.register_script(_POP)

    def __len__(self) -> int:
        return int(self.server.llen(f"{self.key}:ring"))

    def push(self, request: Request, supersedes: str | None = None) -> None:
        """Queue a request; ``supersedes`` is the lease it replaces (a retry or redirect)."""
        data = self._encode_request(request)
        self._push(
            keys=[self.key, self.inflight_key],
            args=[data, -request.priority, outlet_tag(request), supersedes or ""],
        )

    def pop(self, timeout: int = 0) -> Request | None:
        token = uuid.uuid4().hex
        data = self._pop(keys=[self.key, self.inflight_key], args=[token])
        if not data:
            return None
        try:
            request = self._decode_request(data)
        except (RequestRefused, ValueError, TypeError, KeyError, AttributeError) as exc:
            # crafted or corrupt: never run, kept aside with the reason, lease ended
            log.error("refused a queued request (dead-lettered): %s", exc)
            pipe = self.server.pipeline(transaction=True)
            pipe.rpush(f"{self.key}:dead", data)
            pipe.ltrim(f"{self.key}:dead", -DEAD_KEPT, -1)
            pipe.hdel(self.inflight_key, token)
            pipe.execute()
            return None
        request.meta[TOKEN] = token
        return request

    def ack(self, token: str) -> None:
        self.server.hdel(self.inflight_key, token)

    def clear(self) -> None:
        """Never drop other workers' queue: requests are shared across the deployment."""


class LeasedScheduler(Scheduler):
    """scrapy-redis's scheduler with leases, and without its deprecated stats calls."""

    df: Any  # scrapy-redis's dupefilter, created in ``open``

    def open(self, spider: Any) -> None:
        """As scrapy-redis's, minus its deprecated ``Spider.log`` call and the flush option."""
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server,
            spider=spider,
            key=self.queue_key % {"spider": spider.name},
            serializer=self.serializer,
        )
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)

    def enqueue_request(self, request: Request) -> bool:
        token = request.meta.pop(TOKEN, None)
        if not request.dont_filter and self.df.request_seen(request):
            if token:
                self.queue.ack(token)  # e.g. a redirect to a URL already known
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request, supersedes=token)
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        return len(self.queue) > 0


class SeenFilter(RFPDupeFilter):
    """Article URLs are seen forever (shared with the warehouse); index pages once per round."""

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("stage") == "fetch":
            return self.server.sadd(self.key, url_fingerprint(canonicalize(request.url))) == 0
        key = Keys().round_pages(str(request.meta.get("round", "-")))
        pipe = self.server.pipeline()
        # Per stage: one crawl may look at a homepage for feeds and again for links.
        pipe.sadd(key, f"{request.meta.get('stage', '')}:{self.request_fingerprint(request)}")
        pipe.expire(key, ROUND_TTL_S)
        added, _ = pipe.execute()
        return added == 0

    def close(self, reason: str = "") -> None:
        """Keep the set: it outlives every worker (scrapy-redis would delete it)."""

    def clear(self) -> None:
        """Never flushed from a worker."""
