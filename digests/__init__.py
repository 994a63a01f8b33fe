"""Digests per topic: data from the warehouse, HTML/text/Markdown, mail, webhook, archive.

The library API used by the CLI and the scheduler::

    digest = build_digest(config, "Elections", day)         # a local calendar day, or a Window
    rendered = render(digest)
    paths = write_archive(config, rendered, day, "Elections")
    report = deliver(config, "Elections", day, send=True, force=False)   # mediawatch digest
    enqueue_scheduled(config, "Elections", window, now)     # the scheduler: build + outbox
    flush(config, now)                                      # the scheduler: send what is due
"""

from __future__ import annotations

from digests.archive import write_archive
from digests.data import Digest, build_digest
from digests.deliver import (
    ChannelResult,
    DeliveryReport,
    RetryPolicy,
    deliver,
    enqueue_scheduled,
    flush,
)
from digests.render import Rendered, render
from digests.window import Window, day_window, range_window, scheduled_window

__all__ = [
    "ChannelResult",
    "DeliveryReport",
    "Digest",
    "Rendered",
    "RetryPolicy",
    "Window",
    "build_digest",
    "day_window",
    "deliver",
    "enqueue_scheduled",
    "flush",
    "range_window",
    "render",
    "scheduled_window",
    "write_archive",
]
