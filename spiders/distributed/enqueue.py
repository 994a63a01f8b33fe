"""The scheduler's side of distributed mode: hand each outlet's discovery to the workers."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from mediawatch.config import Config
from mediawatch.errors import TerminalError
from pipeline.queue_keys import Keys, connect, seed_seen
from spiders.distributed.backfill_jobs import BackfillJob

JOB_VERSION = 1


@dataclass(frozen=True)
class DiscoveryRound:
    round_id: str
    outlets: tuple[str, ...]
    seeded: int  # URLs copied from the warehouse into a fresh seen filter


def enqueue_discovery(
    config: Config,
    outlets: Sequence[str] | None = None,
    *,
    run_id: int | None = None,
    keys: Keys | None = None,
) -> DiscoveryRound:
    """Queue one discovery job per outlet (default: all enabled) for whichever worker is free.

    Returns at once: the workers crawl and extract, ``mediawatch load`` stores. A round id
    scopes the per-outlet page budget and the index pages seen, as one local crawl would.
    """
    keys = keys or Keys()
    names = list(outlets) if outlets else [o.name for o in config.outlets if o.enabled]
    if not names:
        raise TerminalError("no outlets to crawl", hint="add [[outlets]] to the config")
    for name in names:
        config.outlet(name)  # unknown names fail here, with the list of known ones
    server = connect(config)
    seeded = seed_seen(config, server, keys)
    round_id = f"{int(time.time())}-{uuid.uuid4().hex[:8]}"
    jobs = [
        json.dumps({"v": JOB_VERSION, "outlet": n, "round": round_id, "run_id": run_id})
        for n in names
    ]
    server.rpush(keys.discovery, *jobs)
    return DiscoveryRound(round_id, tuple(names), seeded)


@dataclass(frozen=True)
class QueueStatus:
    discovery_jobs: int
    queued_requests: int
    inflight: dict[str, int]  # worker -> requests it holds
    live_workers: list[str]
    items_waiting: int
    dead_items: int

    @property
    def idle(self) -> bool:
        """Nothing left to crawl or to extract (items may still wait for the loader)."""
        return not (self.discovery_jobs or self.queued_requests or any(self.inflight.values()))


def queue_status(config: Config, keys: Keys | None = None) -> QueueStatus:
    keys = keys or Keys()
    server = connect(config)
    workers = sorted(w.decode() for w in cast("set[bytes]", server.smembers(keys.workers)))
    ring = cast("list[bytes]", server.lrange(f"{keys.requests}:ring", 0, -1))
    queued = sum(int(server.zcard(f"{keys.requests}:q:{o.decode()}")) for o in ring)
    return QueueStatus(
        discovery_jobs=server.llen(keys.discovery),
        queued_requests=queued,
        inflight={w: server.hlen(keys.inflight(w)) for w in workers},
        live_workers=[w for w in workers if server.exists(keys.lease(w))],
        items_waiting=server.llen(keys.items),
        dead_items=server.llen(keys.dead),
    )


@dataclass(frozen=True)
class BackfillQueued:
    queued: list[BackfillJob]  # new jobs, each with its resume point
    done: list[str]  # items the warehouse records as done (not queued again)
    already: list[str]  # items already waiting in Redis or being read by a worker


def enqueue_backfill(
    config: Config,
    source: str,
    items: Sequence[str],
    *,
    all_hosts: bool = False,
    keys: Keys | None = None,
) -> BackfillQueued:
    """Queue one backfill job per WARC file on the crawl's job queue, for any worker.

    Each job carries the file's resume point from the warehouse (so a file that was half
    read, here or by a local backfill, goes on from its last committed record); files
    already done, or already queued, are not queued again. Their progress rows say
    ``queued`` until a worker's first checkpoint is loaded (``backfill status``).
    """
    from spiders.distributed.backfill_jobs import SOURCES, backfill_queue
    from spiders.runner import prepare_warehouse
    from warehouse.backfill import Progress, load_progress, save_progress
    from warehouse.connection import opened, transaction

    if source not in SOURCES:
        raise TerminalError(f"{source} backfill is not file-based and runs on one machine")
    if not config.outlets and not all_hosts:
        raise TerminalError(
            "no outlets to backfill", hint="add [[outlets]] to the config, or pass --all-hosts"
        )
    keys = keys or Keys()
    server = connect(config)
    prepare_warehouse(config)
    timeout = config.warehouse.lock_timeout_s
    progress = load_progress(config.warehouse_path, source, timeout)
    in_redis = {(q.job.source, q.job.item) for q in backfill_queue(server, keys)}
    jobs: list[BackfillJob] = []
    done: list[str] = []
    already: list[str] = []
    for key in dict.fromkeys(items):  # each file once, in the order given
        before = progress.get(key)
        if before is not None and before.status == "done":
            done.append(key)
        elif (source, key) in in_redis:
            already.append(key)
        else:
            start = (before.position, before.records, before.articles) if before else (0, 0, 0)
            jobs.append(BackfillJob(source, key, *start, all_hosts=all_hosts))
    if jobs:
        now = datetime.now(UTC)
        rows = [
            Progress(source, j.item, j.position, j.records, j.articles, "queued").row(now)
            for j in jobs
        ]
        # before the jobs exist: a fast worker's first checkpoint must not be overwritten
        with opened(config.warehouse_path, timeout_s=timeout) as con, transaction(con):
            save_progress(con, rows)
        server.rpush(keys.discovery, *(j.dumps() for j in jobs))
    return BackfillQueued(jobs, done, already)
