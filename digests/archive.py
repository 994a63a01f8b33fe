"""The file archive: ``<digest_dir>/YYYY-MM-DD/<topic-slug>.{html,txt,md,eml,png}``."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

from digests.mail import build_message
from digests.render import Rendered
from digests.safety import safe_child, slugify
from mediawatch.config import Config


def archive_folder(config: Config, day: date, out_dir: Path | None = None) -> Path:
    return safe_child(out_dir or config.digest_dir, day.isoformat())


def write_archive(
    config: Config,
    rendered: Rendered,
    day: date,
    topic: str,
    out_dir: Path | None = None,
    eml: bytes | None = None,
) -> list[Path]:
    """Write every format; names come from the slug, so they cannot leave the day's folder.

    ``eml`` is the message as sent (same Message-ID); without it one is built.
    """
    base = out_dir or config.digest_dir
    folder = archive_folder(config, day, out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    slug = slugify(topic)
    if eml is None:
        eml = build_message(rendered, config.digest.sender, config.digest.recipients).as_bytes()
    contents: list[tuple[str, bytes]] = [
        ("html", rendered.archive_html.encode("utf-8")),
        ("txt", rendered.text.encode("utf-8")),
        ("md", rendered.markdown.encode("utf-8")),
        ("eml", eml),
        ("png", rendered.chart_png),
    ]
    written = []
    for ext, data in contents:
        path = safe_child(base, day.isoformat(), f"{slug}.{ext}")
        _write_atomically(path, data)
        written.append(path)
    return written


def _write_atomically(path: Path, data: bytes) -> None:
    """A reader (a mail client, a web server) never sees a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
