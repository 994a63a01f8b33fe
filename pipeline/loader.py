"""The one warehouse writer of distributed mode: drains the workers' results from Redis.

Workers extract pages and push envelopes to a Redis list. The loader moves a batch into
its own processing list (LMOVE, so an item is never in neither list), decides each result
with the single-machine ingest logic (``pipeline.ingest``), commits the batch together
with a batch marker in one DuckDB transaction, and only then deletes the processing list.
Killed anywhere in between, it restarts on the processing list: a batch whose marker is
committed is acknowledged without being written again, any other batch is written.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mediawatch.config import Config
from pipeline.decide import Decider, PageMeta
from pipeline.ingest import IngestSettings
from pipeline.wire import SCHEMA_VERSION, EnvelopeError, PageResult, decode, encode
from warehouse.connection import opened, transaction, write_limited
from warehouse.runs import OutletRunStats
from warehouse.state import CrawlState, load_crawl_state
from warehouse.store import Batch, apply_batch

if TYPE_CHECKING:
    import duckdb
    import redis

    from pipeline.queue_keys import Keys

log = logging.getLogger(__name__)

MARKER_TABLE = "distributed_batches"
DEAD_KEPT = 10_000


# -- the envelope (written by workers, read here): JSON, see pipeline.wire ------------------
__all__ = ["SCHEMA_VERSION", "EnvelopeError", "Loader", "PageResult", "decode", "encode"]


# -- decisions ----------------------------------------------------------------------------
class _Decider(Decider):
    """The crawl's dedup/version decisions, fed from Redis envelopes instead of a crawl."""

    def __init__(
        self,
        settings: IngestSettings,
        state: CrawlState,
        outlet_domains: dict[str, Sequence[str]],
        stats: dict[str, OutletRunStats],
    ) -> None:
        super().__init__(
            state, outlet_domains, stats,
            run_id=settings.run_id, threshold=settings.dedup_threshold, num_perm=settings.num_perm,
        )  # fmt: skip

    def decide_envelope(self, kind: str, data: Any, batch: Batch) -> None:
        if kind == "page":
            page: PageResult = data
            self.run_id = page.run_id
            meta = PageMeta(
                page.requested_url, page.outlet, page.fetched_at, page.discovered_via, page.bytes,
                page.source,
            )  # fmt: skip
            self.decide((meta, page.result), batch)
        elif kind == "progress":
            # committed in this batch's transaction, with the articles pushed before it
            self.decide((None, ("progress", data)), batch)
        elif kind == "failure":
            failure, run_id = data
            self.run_id = run_id
            self.decide((None, failure), batch)
        elif kind == "validators":
            url, etag, last_modified = data
            self.decide((None, ("validators", url, etag, last_modified, True)), batch)
        else:
            raise EnvelopeError(f"unknown item kind {kind!r}")


# -- the loader ---------------------------------------------------------------------------
@dataclass
class LoadReport:
    items: int = 0
    batches: int = 0
    recovered: int = 0  # items found in the processing list at start-up
    dead: int = 0
    refused: list[str] = field(default_factory=list)  # why each dead-lettered item was refused
    stats: dict[str, OutletRunStats] = field(default_factory=dict)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.stats.values())


class Loader:
    """Drains ``<prefix>:items`` into the warehouse; one per warehouse (``name`` keys its lists)."""

    def __init__(
        self,
        config: Config,
        server: redis.Redis,
        keys: Keys,
        *,
        name: str = "main",
        batch_size: int = 500,
    ) -> None:
        self.config = config
        self.server = server
        self.keys = keys
        self.name = name
        self.batch_size = batch_size
        self.report = LoadReport()
        self._processing = keys.loader_processing(name)
        self._batch_key = keys.loader_batch(name)
        self._prepare()
        self._decider = self._new_decider()
        self._recovering = self.server.llen(self._processing) > 0

    def _prepare(self) -> None:
        from warehouse.migrate import migrate
        from warehouse.store import upsert_outlets

        c = self.config
        with opened(c.warehouse_path, timeout_s=c.warehouse.lock_timeout_s) as con:
            migrate(con)
            upsert_outlets(con, [(o.name, o.homepage, o.language, o.timezone) for o in c.outlets])
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (batch_id VARCHAR PRIMARY KEY,"
                " loader VARCHAR NOT NULL, items INTEGER NOT NULL,"
                " committed_at TIMESTAMPTZ NOT NULL)"
            )

    def _new_decider(self) -> _Decider:
        c = self.config
        with opened(c.warehouse_path, timeout_s=c.warehouse.lock_timeout_s) as con:
            state = load_crawl_state(con, c.dedup.window_days)
        settings = IngestSettings(
            warehouse=c.warehouse_path,
            lock_timeout_s=c.warehouse.lock_timeout_s,
            run_id=None,
            workers=0,
            dedup_threshold=c.dedup.threshold,
            num_perm=c.dedup.num_perm,
        )
        domains: dict[str, Sequence[str]] = {o.name: o.domains for o in c.outlets}
        return _Decider(settings, state, domains, self.report.stats)

    # -- one batch ------------------------------------------------------------------------
    def step(self, block_s: float = 1.0) -> int:
        """Load at most one batch; returns the number of items acknowledged (0: none waiting)."""
        if self.server.llen(self._processing) == 0:
            batch_id = uuid.uuid4().hex
            self.server.set(self._batch_key, batch_id)  # before any item moves (see below)
            if (
                self.server.blmove(self.keys.items, self._processing, block_s, "LEFT", "RIGHT")  # type: ignore[arg-type]  # redis takes fractional seconds
                is None
            ):
                return 0
            pipe = self.server.pipeline(transaction=False)
            for _ in range(self.batch_size - 1):
                pipe.lmove(self.keys.items, self._processing, "LEFT", "RIGHT")
            pipe.execute()
        else:
            raw_id = self.server.get(self._batch_key)
            batch_id = raw_id.decode() if isinstance(raw_id, bytes) else uuid.uuid4().hex
        raws = self.server.lrange(self._processing, 0, -1)
        if self._recovering:
            self.report.recovered += len(raws)
            self._recovering = False
        if self._committed(batch_id):
            # Killed after COMMIT and before the acknowledgement: acknowledge only.
            log.warning(
                "batch %s was already committed; acknowledging %d item(s)", batch_id, len(raws)
            )
            self._ack(raws, [], urls=[])
            return len(raws)
        batch, dead = Batch(), []
        for raw in raws:
            try:
                kind, data = decode(raw)
            except EnvelopeError as exc:  # refused: kept aside with the reason, never run
                log.error("refused an item from Redis (dead-lettered): %s", exc)
                self.report.refused.append(str(exc))
                dead.append(raw)
                continue
            try:
                self._decider.decide_envelope(kind, data, batch)
            except Exception as exc:  # well-formed but undecidable: must not block every batch
                why = f"undecidable {kind} item: {type(exc).__name__}: {exc}"[:300]
                log.error("refused an item from Redis (dead-lettered): %s", why)
                self.report.refused.append(why)
                dead.append(raw)
        try:
            self._commit(batch, batch_id, len(raws))
        except BaseException:
            # The decider's in-memory state now believes in rows that were not written.
            self._decider = self._new_decider()
            raise
        self._ack(raws, dead, urls=[u[0] for u in batch.urls])
        self.report.batches += 1
        return len(raws)

    def _committed(self, batch_id: str) -> bool:
        c = self.config
        with opened(c.warehouse_path, timeout_s=c.warehouse.lock_timeout_s) as con:
            rows = con.execute(
                f"SELECT 1 FROM {MARKER_TABLE} WHERE batch_id = ?", [batch_id]
            ).fetchall()
        return bool(rows)

    def _commit(self, batch: Batch, batch_id: str, items: int) -> None:
        def work(con: duckdb.DuckDBPyConnection) -> None:
            with transaction(con):
                apply_batch(con, batch)
                con.execute(
                    f"INSERT INTO {MARKER_TABLE} VALUES (?, ?, ?, ?)",
                    [batch_id, self.name, items, datetime.now(UTC)],
                )

        c = self.config
        write_limited(
            c.warehouse_path, batch.payload_bytes(), work, timeout_s=c.warehouse.lock_timeout_s
        )

    def _ack(self, raws: Sequence[Any], dead: Sequence[Any], urls: list[str]) -> None:
        from pipeline.queue_keys import url_fingerprint

        pipe = self.server.pipeline(transaction=True)
        if dead:  # kept for inspection, the newest DEAD_KEPT: a flood must not fill Redis
            pipe.rpush(self.keys.dead, *dead)
            pipe.ltrim(self.keys.dead, -DEAD_KEPT, -1)
        if urls:  # aliases found on the page: later discoveries under them are known too
            pipe.sadd(self.keys.seen, *(url_fingerprint(u) for u in urls))
        pipe.delete(self._processing)
        pipe.execute()
        self.report.items += len(raws)
        self.report.dead += len(dead)


def run_loader(
    config: Config,
    *,
    name: str = "main",
    batch_size: int = 500,
    idle_exit_s: float | None = None,
    stop: threading.Event | None = None,
) -> LoadReport:
    """Load until ``stop`` is set, or until nothing arrived and nothing was left to crawl for
    ``idle_exit_s`` seconds.

    Safe to run in a thread of ``mediawatch run`` (it holds the warehouse only per batch).
    """
    import redis

    from mediawatch.errors import TransientError
    from pipeline.queue_keys import Keys, connect, crawl_pending, seed_seen

    keys = Keys()
    server = connect(config)
    seed_seen(config, server, keys)
    loader = Loader(config, server, keys, name=name, batch_size=batch_size)
    last_item = time.monotonic()
    failures = 0
    while not (stop is not None and stop.is_set()):
        try:
            loaded = loader.step(block_s=1.0)
            failures = 0
        except (redis.RedisError, OSError, TransientError) as exc:
            failures += 1
            log.error("loader: %s (attempt %d); retrying", exc, failures)
            time.sleep(min(0.2 * 2**failures, 10.0))
            continue
        if loaded or (idle_exit_s is not None and crawl_pending(server, keys)):
            last_item = time.monotonic()
        elif idle_exit_s is not None and time.monotonic() - last_item >= idle_exit_s:
            break
    return loader.report
