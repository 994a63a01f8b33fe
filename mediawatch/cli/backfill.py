"""``mediawatch backfill``: historical coverage from WARC files, CC-NEWS and the Wayback Machine."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from mediawatch.cli.common import AppContext, pass_app
from mediawatch.errors import TerminalError


def register(cli: click.Group) -> None:
    @cli.group()
    def backfill() -> None:
        """Store past coverage from web archives (resumable: run it again to go on)."""

    @backfill.command("warc")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
    @click.option(
        "--all-hosts", is_flag=True, help="Keep pages of every host, not only the outlets'."
    )
    @click.option("--distributed", is_flag=True, help=DISTRIBUTED_HELP)
    @pass_app
    def warc(app: AppContext, paths: tuple[str, ...], all_hosts: bool, distributed: bool) -> None:
        """Read .warc / .warc.gz files (your own archive, or downloaded CC-NEWS files)."""
        from spiders.backfill.sources import warc_items

        items = warc_items([Path(p) for p in paths])
        if distributed:
            _enqueue(app, "warc", [i.key for i in items], all_hosts)
            return
        _run(app, "warc", items, None, all_hosts)

    @backfill.command("ccnews")
    @click.option("--from", "since", required=True, type=click.DateTime(["%Y-%m-%d"]))
    @click.option("--to", "until", required=True, type=click.DateTime(["%Y-%m-%d"]))
    @click.option(
        "--all-hosts", is_flag=True, help="Keep pages of every host, not only the outlets'."
    )
    @click.option("--distributed", is_flag=True, help=DISTRIBUTED_HELP)
    @pass_app
    def ccnews(app: AppContext, since, until, all_hosts: bool, distributed: bool) -> None:
        """Common Crawl's news archive between two dates (files listed per month)."""
        from spiders.backfill.sources import ccnews_items

        start, end = _range(since.date(), until.date())
        client = _client(app)
        base = app.config.backfill.ccnews_url
        click.echo(f"listing CC-NEWS files from {start} to {end} at {base} …", err=True)
        items = _guarded(lambda: ccnews_items(client, base, start, end))
        click.echo(f"{len(items)} WARC file(s) in range", err=True)
        if distributed:
            _enqueue(app, "ccnews", [i.key for i in items], all_hosts)
            return
        _run(app, "ccnews", items, client, all_hosts)

    @backfill.command("wayback")
    @click.option("--outlet", "outlets", multiple=True, help="Only this outlet (repeatable).")
    @click.option("--from", "since", required=True, type=click.DateTime(["%Y-%m-%d"]))
    @click.option("--to", "until", required=True, type=click.DateTime(["%Y-%m-%d"]))
    @pass_app
    def wayback(app: AppContext, outlets: tuple[str, ...], since, until) -> None:
        """An outlet's pages as the Wayback Machine captured them (through its CDX API)."""
        from spiders.backfill.sources import WaybackItem

        config = app.config
        start, end = _range(since.date(), until.date())
        chosen = [config.outlet(n) for n in outlets] if outlets else list(config.outlets)
        items = [
            WaybackItem.for_outlet(str(o.homepage), start, end, config.backfill.wayback_url,
                                   config.backfill.max_captures)
            for o in chosen
        ]  # fmt: skip
        _run(app, "wayback", items, _client(app), False)

    @backfill.command("status")
    @pass_app
    def status(app: AppContext) -> None:
        """What each archive item has given so far, and articles per source."""
        from mediawatch import output
        from warehouse.backfill import PROGRESS_COLUMNS, recent_progress

        config = app.config
        rows = recent_progress(config.warehouse_path, 50, config.warehouse.lock_timeout_s)
        click.echo(output.table(list(PROGRESS_COLUMNS), rows, max_width=120))
        if config.distributed is not None:
            _queue_status(app)


DISTRIBUTED_HELP = (
    "Queue one job per WARC file for 'mediawatch worker' processes (needs [distributed]); "
    "'mediawatch load' stores the results."
)


def _enqueue(app: AppContext, source: str, items: list[str], all_hosts: bool) -> None:
    from mediawatch.cli.distributed import require_extra

    require_extra()
    from spiders.distributed.enqueue import enqueue_backfill

    result = enqueue_backfill(app.config, source, items, all_hosts=all_hosts)
    for job in result.queued:
        resume = f" (resuming at record {job.records})" if job.records else ""
        click.echo(f"queued {job.item}{resume}", err=True)
    for item in result.already:
        click.echo(f"already queued or being read: {item}", err=True)
    click.echo(
        f"{len(result.queued)} WARC file(s) queued for the workers"
        f" ({len(result.done)} already done, {len(result.already)} already queued);"
        " 'mediawatch load' stores them, 'mediawatch backfill status' follows them"
    )


def _queue_status(app: AppContext) -> None:
    """What Redis holds: files waiting for a worker, and files being read (last checkpoint)."""
    from mediawatch import output
    from mediawatch.cli.distributed import require_extra

    require_extra()
    from pipeline.queue_keys import connect
    from spiders.distributed.backfill_jobs import backfill_queue

    try:
        jobs = backfill_queue(connect(app.config))
    except TerminalError as exc:  # the warehouse's rows above still stand
        click.echo(f"\ndistributed: {exc}", err=True)
        return
    waiting = sum(1 for q in jobs if q.worker is None)
    click.echo(f"\ndistributed: {waiting} file(s) waiting, {len(jobs) - waiting} being read")
    reading = [
        (q.worker, q.job.item, q.job.records, "live" if q.live else "lease expired: requeued soon")
        for q in jobs
        if q.worker is not None
    ]
    if reading:
        headers = ["worker", "item", "records pushed", "lease"]
        click.echo(output.table(headers, reading, max_width=120))


def _range(start: date, end: date) -> tuple[date, date]:
    if end < start:
        raise TerminalError(f"--to {end} is before --from {start}", hint="swap the two dates")
    if start > date.today():
        raise TerminalError(f"--from {start} is in the future", hint="archives hold the past")
    return start, end


def _client(app: AppContext):
    from spiders.backfill.http import archive_client

    return archive_client(app.config)


def _guarded(call):
    from spiders.backfill.http import ArchiveError

    try:
        return call()
    except ArchiveError as exc:
        raise TerminalError(f"archive: {exc}", hint="check [backfill] in the config") from None


def _run(app: AppContext, source: str, items, client, all_hosts: bool) -> None:
    from spiders.backfill.run import run_backfill

    tty = sys.stderr.isatty()
    every = 2.0 if tty else 30.0  # a log file needs a line now and then, not every 2 s
    last = [0.0]

    def report(counters, final: bool) -> None:
        if not final and _elapsed(counters) - last[0] < every:
            return
        last[0] = _elapsed(counters)
        elapsed = max(1e-6, _elapsed(counters))
        skipped = sum(counters.skipped.values())
        line = (
            f"backfill: {counters.items_done}/{counters.items_total} item(s) · "
            f"{counters.records:,} records ({counters.records / elapsed:.0f}/s) · "
            f"{counters.pages:,} pages ({counters.pages / elapsed:.0f}/s) · {skipped:,} skipped"
        )
        if tty and not final:
            click.echo("\r" + line, nl=False, err=True)
        else:
            click.echo(("\r" if tty else "") + line, err=True)

    result = run_backfill(
        app.config, source, items, client, all_hosts=all_hosts, report=report,
        say=lambda line: click.echo(line, err=True),
    )  # fmt: skip
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(result.counters.skipped.items()))
    click.echo(
        f"run {result.run_id}: {result.status} in {result.seconds:.1f} s — "
        f"{result.new} new article(s), {result.duplicate} already known"
        + (f"; skipped: {skipped}" if skipped else "")
    )
    for key, reason in result.failed_items:
        click.echo(f"  {key}: {reason}", err=True)
    if result.status == "interrupted":
        click.echo("interrupted: run the same command again to resume", err=True)
        raise SystemExit(130)
    if result.status == "failed":
        raise SystemExit(1)


def _elapsed(counters) -> float:
    import time

    return time.monotonic() - counters.started
