"""``mediawatch worker``, ``load`` and ``enqueue``: distributed mode (``[distributed]``).

Imports of Redis and scrapy-redis happen inside the commands, so the single-machine
commands never need them.
"""

from __future__ import annotations

import click

from mediawatch.cli.common import AppContext, pass_app
from mediawatch.errors import TerminalError

EXTRA_HINT = "pip install 'mediawatch[distributed]'"


def require_extra() -> None:
    """One line naming the extra, instead of an ImportError deep inside a command."""
    missing = []
    for module in ("redis", "scrapy_redis"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module.replace("_", "-"))
    if missing:
        raise TerminalError(
            f"distributed mode needs {' and '.join(missing)}, which are not installed",
            hint=f"install them with: {EXTRA_HINT}",
        )


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option("--id", "worker_id", default=None, help="Worker name (default: host-pid).")
    @click.option(
        "--idle-exit",
        type=float,
        default=None,
        help="Exit after N seconds with no work anywhere (default: run until stopped).",
    )
    @click.option(
        "--lease",
        type=float,
        default=30.0,
        show_default=True,
        help="Seconds after which a silent worker's requests go to the others.",
    )
    @pass_app
    def worker(
        app: AppContext, worker_id: str | None, idle_exit: float | None, lease: float
    ) -> None:
        """Crawl and extract whatever is queued in Redis: outlets' discovery jobs and backfill
        WARC files (run as many as you like)."""
        require_extra()
        from spiders.distributed.worker import run_worker

        report = run_worker(
            app.config,
            worker_id=worker_id,
            idle_exit_s=idle_exit,
            lease_s=lease,
            log_level=app.log_level,
        )
        click.echo(
            f"worker {report.worker_id}: {report.pages} page(s) extracted in {report.seconds:.1f} s"
        )

    @cli.command()
    @click.option("--name", default="main", show_default=True, help="Loader name (its lists).")
    @click.option("--batch-size", type=click.IntRange(1, 10_000), default=500, show_default=True)
    @click.option(
        "--idle-exit",
        type=float,
        default=None,
        help="Exit after N seconds with nothing to load (default: run until stopped).",
    )
    @pass_app
    def load(app: AppContext, name: str, batch_size: int, idle_exit: float | None) -> None:
        """Store the workers' extracted articles in the warehouse (run exactly one)."""
        require_extra()
        from pipeline.loader import run_loader

        app.setup_logging()
        report = run_loader(app.config, name=name, batch_size=batch_size, idle_exit_s=idle_exit)
        click.echo(
            f"loaded {report.items} item(s) in {report.batches} batch(es):"
            f" {report.new} new article(s)"
            + (f", {report.recovered} recovered after a crash" if report.recovered else "")
            + (f", {report.dead} unreadable (see the dead-letter list)" if report.dead else "")
        )

    @cli.command()
    @click.option("--outlet", "outlets", multiple=True, help="Only this outlet (repeatable).")
    @pass_app
    def enqueue(app: AppContext, outlets: tuple[str, ...]) -> None:
        """Queue one discovery round now (what 'mediawatch run' does on schedule)."""
        require_extra()
        from spiders.distributed import enqueue_discovery

        result = enqueue_discovery(app.config, list(outlets) or None)
        seeded = f"; seen filter seeded with {result.seeded} URL(s)" if result.seeded else ""
        click.echo(f"round {result.round_id}: {len(result.outlets)} outlet(s) queued{seeded}")
