"""Redis key names and the seen-URL filter shared by the scheduler, the workers and the loader.

It lives in the pipeline, below the spiders, so that the loader can use it without
importing the spiders (the layering contracts in pyproject.toml check this).

The seen set holds SHA-1 fingerprints of canonical article URLs (the same canonical form
as ``article_urls.url``), so it can be seeded from the warehouse and checked by any worker.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from mediawatch.config import Config
from mediawatch.errors import TerminalError

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

SEED_CHUNK = 5_000
ROUND_TTL_S = 6 * 3600  # per-round sets (index pages seen, page budgets) expire after this


@dataclass(frozen=True)
class Keys:
    """Every Redis key mediawatch uses, under one prefix (one deployment per Redis db)."""

    prefix: str = "mediawatch"

    @property
    def requests(self) -> str:
        """Base of the request queue: ``:ring``, ``:active`` and one ``:q:<outlet>`` zset each."""
        return f"{self.prefix}:requests"

    @property
    def seen(self) -> str:
        return f"{self.prefix}:seen"

    @property
    def seeded(self) -> str:
        return f"{self.prefix}:seen:seeded"

    @property
    def seeding(self) -> str:
        return f"{self.prefix}:seen:seeding"

    @property
    def discovery(self) -> str:
        """Discovery jobs (JSON, one per outlet and round): scrapy-redis's start-URL list."""
        return f"{self.prefix}:discovery"

    @property
    def items(self) -> str:
        return f"{self.prefix}:items"

    @property
    def dead(self) -> str:
        return f"{self.prefix}:items:dead"

    @property
    def validators(self) -> str:
        return f"{self.prefix}:validators"

    @property
    def validator_epochs(self) -> str:
        return f"{self.prefix}:validators:epoch"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    @property
    def ready(self) -> str:
        """Workers whose crawler is up and taking work (not just registered)."""
        return f"{self.prefix}:ready"

    def inflight(self, worker: str) -> str:
        return f"{self.prefix}:inflight:{worker}"

    def backfill_inflight(self, worker: str) -> str:
        """The backfill job (WARC file) a worker holds, with its last pushed resume point."""
        return f"{self.prefix}:inflight:{worker}:backfill"

    @property
    def backfill_pending(self) -> str:
        """Backfill items queued or held by a worker (``source`` NUL ``item``): enqueued once."""
        return f"{self.prefix}:backfill:pending"

    def lease(self, worker: str) -> str:
        return f"{self.prefix}:lease:{worker}"

    def worker_stats(self, worker: str) -> str:
        return f"{self.prefix}:stats:{worker}"

    def round_pages(self, round_id: str) -> str:
        return f"{self.prefix}:round:{round_id}:pages"

    def round_budget(self, round_id: str) -> str:
        return f"{self.prefix}:round:{round_id}:budget"

    def loader_processing(self, name: str) -> str:
        return f"{self.prefix}:loader:{name}:processing"

    def loader_batch(self, name: str) -> str:
        return f"{self.prefix}:loader:{name}:batch"


def redis_url(config: Config) -> str:
    if config.distributed is None:
        raise TerminalError(
            "this needs distributed mode",
            hint='add [distributed] redis_url = "redis://host:6379/0" to the config',
        )
    return config.distributed.redis_url


def connect(config: Config) -> redis.Redis:
    """A client for ``[distributed] redis_url``; fails early with a readable error."""
    import redis

    url = redis_url(config)
    client = redis.Redis.from_url(
        url, socket_timeout=30, socket_connect_timeout=10, health_check_interval=30
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        host = url.rsplit("@", 1)[-1]  # never echo a password
        raise TerminalError(f"cannot reach Redis at {host}: {exc}") from exc
    return client


def crawl_pending(server: redis.Redis, keys: Keys) -> bool:
    """Whether any worker still has something to do: jobs (crawl or backfill), queued or
    leased requests, backfill items being read."""
    if server.llen(keys.discovery) or server.llen(f"{keys.requests}:ring"):
        return True
    workers = cast("set[bytes]", server.smembers(keys.workers))  # no decode_responses
    return any(
        server.hlen(keys.inflight(w.decode())) or server.hlen(keys.backfill_inflight(w.decode()))
        for w in workers
    )


def url_fingerprint(canonical_url: str) -> str:
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()


def seed_seen(config: Config, server: redis.Redis, keys: Keys | None = None) -> int:
    """Fill the seen set from ``article_urls`` unless it was seeded since Redis last started.

    Without this a fresh (or flushed) Redis would make the workers re-crawl the archive.
    Returns the number of URLs added (0 when already seeded or another process is seeding).
    """
    keys = keys or Keys()
    if server.exists(keys.seeded) or not config.warehouse_path.exists():
        return 0
    if not server.set(keys.seeding, "1", nx=True, ex=600):
        return 0
    from warehouse.articles import stored_urls
    from warehouse.connection import opened

    added = 0
    try:
        with opened(
            config.warehouse_path, read_only=True, timeout_s=config.warehouse.lock_timeout_s
        ) as con:
            for urls in stored_urls(con, SEED_CHUNK):
                added += server.sadd(keys.seen, *(url_fingerprint(u) for u in urls))
        server.set(keys.seeded, datetime.now(UTC).isoformat())
    finally:
        server.delete(keys.seeding)
    log.info("seeded the seen-URL filter with %d URL(s) from the warehouse", added)
    return added
