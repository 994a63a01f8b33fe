"""What every command shares: lazy config loading and turning errors into one-line messages."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field

import click

from mediawatch.config import Config, find_config, load_config
from mediawatch.errors import MediawatchError, TransientError


@dataclass
class AppContext:
    config_path: str | None
    verbose: int = 0
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        """Loaded on first use, once; commands that need no config never read it."""
        if self._config is None:
            self._config = load_config(find_config(self.config_path, dict(os.environ)))
        return self._config

    @property
    def log_level(self) -> str:
        return ("WARNING", "INFO", "DEBUG")[min(self.verbose, 2)]

    def setup_logging(self) -> None:
        logging.basicConfig(
            level=self.log_level, format="%(asctime)s %(levelname)s [%(name)s] %(message)s"
        )


pass_app = click.make_pass_decorator(AppContext)


def run_guarded(group: click.Group) -> None:
    """Run the CLI; known errors print 'error: ...' and a hint, never a traceback."""
    try:
        group.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except MediawatchError as exc:
        click.echo(f"error: {exc}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        sys.exit(75 if isinstance(exc, TransientError) else 1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: still one line, the traceback only with -vv
        if "-vv" in sys.argv or "--verbose" in sys.argv:
            raise
        click.echo(f"error: unexpected {type(exc).__name__}: {exc}", err=True)
        click.echo(
            "hint: this is a bug in mediawatch; run again with -vv for the traceback and report it",
            err=True,
        )
        sys.exit(1)
