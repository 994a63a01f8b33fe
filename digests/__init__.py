"""Daily digests per topic: data from the warehouse, HTML/text/Markdown, mail, webhook, archive.

The library API used by the CLI and the scheduler::

    digest = build_digest(config, "Elections", day)
    rendered = render(digest)
    paths = write_archive(config, rendered, day, "Elections")
    report = deliver(config, "Elections", day, send=True, force=False)
"""

from __future__ import annotations

from digests.archive import write_archive
from digests.data import Digest, build_digest
from digests.deliver import ChannelResult, DeliveryReport, RetryPolicy, deliver
from digests.render import Rendered, render
from digests.spike import is_spike

__all__ = [
    "ChannelResult",
    "DeliveryReport",
    "Digest",
    "Rendered",
    "RetryPolicy",
    "build_digest",
    "deliver",
    "is_spike",
    "render",
    "write_archive",
]
