"""``mediawatch outlets``: list, check and add outlets, and list ready collections."""

from __future__ import annotations

import click

from mediawatch.cli.common import AppContext, pass_app
from mediawatch.errors import ConfigError
from mediawatch.output import table


def _is_url(text: str) -> bool:
    return "://" in text


def _check_log_level(app: AppContext) -> str:
    # every failure is in the report; Scrapy's own log only with -v
    return "CRITICAL" if app.verbose == 0 else app.log_level


def register(cli: click.Group) -> None:
    @cli.group()
    def outlets() -> None:
        """Configured outlets: list, check and add them; ready collections of outlets."""

    @outlets.command("list")
    @pass_app
    def list_outlets(app: AppContext) -> None:
        """The configured outlets and how each is discovered."""
        rows = [
            (o.name, o.language or "", len(o.feeds), len(o.sitemaps), ", ".join(o.modes),
             "yes" if o.enabled else "no")
            for o in app.config.outlets
        ]  # fmt: skip
        click.echo(table(["outlet", "lang", "feeds", "sitemaps", "discovery", "enabled"], rows))

    @outlets.command("check")
    @click.argument("targets", nargs=-1, metavar="[NAME|URL]...")
    @click.option(
        "--collection", "collections", default=None,
        help="Check a collection's entries instead (code such as ru, gb,us, or a .toml path).",
    )  # fmt: skip
    @pass_app
    def check(app: AppContext, targets: tuple[str, ...], collections: str | None) -> None:
        """Find an outlet's feeds and sitemaps (homepage links, robots.txt, common paths).

        Exits 75 when a site could not be reached (try again later), 1 when the address
        guard refused one.
        """
        from mediawatch.collections import load_collections
        from mediawatch.outlet_entries import candidate
        from spiders.check import REFUSED, UNREACHABLE, check_outlets, time_limit

        config = app.config
        if collections:
            if targets:
                raise click.UsageError("give outlet names or URLs, or --collection, not both")
            chosen = [o for c in load_collections(collections) for o in c.outlet_configs()]
            probe = False
        else:
            chosen = [
                candidate(t, None, None, None) if _is_url(t) else config.outlet(t) for t in targets
            ] or list(config.outlets)
            probe = True
            if not chosen:
                raise ConfigError(
                    f"{config.source}: no outlets configured",
                    hint="add one with 'mediawatch outlets add URL', or check a URL directly",
                )
        click.echo(
            f"checking {len(chosen)} outlet(s), at most {time_limit(len(chosen)):.0f} s…", err=True
        )
        results = check_outlets(config, chosen, probe=probe, log_level=_check_log_level(app))
        if collections:
            _report_collection(results)
        else:
            _report_checks(results)
        states = {r.state for r in results}
        if REFUSED in states:
            raise SystemExit(1)  # the address must change: retrying will not help
        if UNREACHABLE in states:
            raise SystemExit(75)

    @outlets.command("add")
    @click.argument("url", required=False)
    @click.option(
        "--name", default=None, help="Outlet name (default: the site's own name or host)."
    )
    @click.option(
        "--language", default=None, help="ISO 639-1 code, e.g. en or ru (default: the page's lang)."
    )
    @click.option(
        "--timezone", default=None, help="IANA time zone of the outlet, e.g. Europe/Moscow."
    )
    @click.option(
        "--collection", "collections", default=None,
        help="Add every outlet of these collections (ru, or gb,us, or a .toml path) instead.",
    )  # fmt: skip
    @pass_app
    def add(
        app: AppContext,
        url: str | None,
        name: str | None,
        language: str | None,
        timezone: str | None,
        collections: str | None,
    ) -> None:
        """Add an outlet by URL (its feeds and sitemaps found as by check), or a collection."""
        from mediawatch.config_edit import add_outlets

        config = app.config
        if bool(url) == bool(collections):
            raise click.UsageError("give a URL or --collection (one of them)")
        assert config.source is not None
        if collections:
            from mediawatch.collections import load_collections
            from mediawatch.outlet_entries import from_collections

            entries, left_out = from_collections(config, load_collections(collections))
            for line in left_out:
                click.echo(f"  left out {line}", err=True)
            if not entries:
                click.echo("nothing to add: every outlet of the collection(s) is configured")
                return
        else:
            assert url is not None
            from mediawatch.outlet_entries import candidate, from_check
            from spiders.check import check_outlets

            outlet = candidate(url, name, language, timezone)
            same = [o.name for o in config.outlets if o.homepage.rstrip("/") == url.rstrip("/")]
            if same:
                raise ConfigError(
                    f"{url} is already configured as outlet {same[0]!r}",
                    hint=f"check it with: mediawatch outlets check {same[0]!r}",
                )
            if outlet.name in {o.name for o in config.outlets}:
                raise ConfigError(
                    f"an outlet named {outlet.name!r} is already configured",
                    hint="give the new one another name with --name; nothing was fetched",
                )
            click.echo(f"checking {url} …", err=True)
            (result,) = check_outlets(config, [outlet], log_level=_check_log_level(app))
            _report_checks([result], advise=False, by_url=True)
            entries = [from_check(result, name, language, timezone)]
        add_outlets(config.source, entries)
        for entry in entries:
            fields = entry.fields
            click.echo(
                f"added {fields['name']!r} ({fields['homepage']}): {len(fields['feeds'])} feed(s),"
                f" {len(fields['sitemaps'])} sitemap(s)"
            )
        click.echo(f"wrote {len(entries)} outlet(s) to {config.source}")
        click.echo("next: 'mediawatch outlets list', then 'mediawatch crawl'")

    @outlets.command("collections")
    def list_collections() -> None:
        """The ready collections of outlets, their sources and sizes."""
        from mediawatch.collections import builtin_codes, load_collection

        rows = []
        for code in builtin_codes():
            c = load_collection(code)
            newest = max(e.retrieved for e in c.outlets)
            rows.append(
                (code, c.collection.title, ", ".join(c.collection.languages), len(c.outlets),
                 newest.isoformat())
            )  # fmt: skip
        click.echo(table(["code", "collection", "lang", "outlets", "retrieved"], rows))
        click.echo("add one: mediawatch outlets add --collection CODE (or CODE,CODE)")


def _report_checks(results: list, advise: bool = True, by_url: bool = False) -> None:
    for result in results:
        click.echo(f"\n{result.url if by_url else result.outlet}: {result.summary()}")
        if not result.reached:
            click.echo("  never reached, so nothing is advised; check the address or try later")
            continue
        for note in result.notes:
            click.echo(f"  found {note}")
        for item in result.skipped:
            click.echo(f"  skipped {item}")
        advice = result.toml()
        if advise and advice:
            click.echo("paste into its [[outlets]] entry:")
            click.echo(advice)


def _report_collection(results: list) -> None:
    rows = []
    for r in results:
        answered = sum(1 for v in r.listed.values() if v == "ok")
        failing = [f"{u}: {v}" for u, v in r.listed.items() if v != "ok"]
        rows.append((r.outlet, r.state, r.reason or "", f"{answered}/{len(r.listed)}"))
        for line in failing:
            rows.append(("", "", f"  {line[:160]}", ""))
    click.echo(table(["outlet", "status", "reason", "feeds+sitemaps answering"], rows))
