"""``mediawatch outlets check`` finds what each newsroom outlet exposes, ready to paste."""

from __future__ import annotations

import subprocess
import sys


def test_outlets_check_finds_feeds_and_sitemaps(newsroom, newsroom_server, make_config) -> None:
    # the user knows only the homepages
    outlets = [
        {"name": o["name"], "homepage": o["homepage"]} for o in newsroom_server.outlet_config()
    ]
    config = make_config(outlets)
    proc = subprocess.run(
        [sys.executable, "-m", "mediawatch", "--config", str(config.source), "outlets", "check"],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    blocks = {b.split(":", 1)[0].strip(): b for b in proc.stdout.split("\n\n") if b.strip()}
    for spec in newsroom.outlets:
        block = blocks[spec.name]
        base = newsroom_server.base_url(spec.key)
        for path in spec.feeds:
            assert f'feeds = ["{base}{path}"' in block, block
        for path in spec.sitemaps:
            assert f"{base}{path}" in block and "sitemaps = [" in block, block
        if not spec.feeds and not spec.sitemaps:
            assert "no feed or sitemap found" in block, block


def test_unreachable_reason_names_each_way_a_site_is_never_reached() -> None:
    """DNS cannot be tried on loopback: the classifier is checked on the errors themselves."""
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadConnectionRefusedError,
        DownloadFailedError,
        DownloadTimeoutError,
    )

    from spiders.check import unreachable_reason
    from spiders.middlewares import Oversize, Timeout

    assert unreachable_reason(CannotResolveHostError("DNS lookup failed: no results")) == (
        "DNS lookup failed"
    )
    assert unreachable_reason(DownloadConnectionRefusedError("111")) == "connection refused"
    tls = DownloadFailedError(
        "[<twisted.python.failure.Failure OpenSSL.SSL.Error: [('SSL routines', '', 'wrong version number')]>]"
    )
    assert unreachable_reason(tls) == "TLS handshake failed"
    assert unreachable_reason(DownloadTimeoutError("took longer than 5 s")) == "timed out"
    try:
        raise Timeout("download timed out") from DownloadTimeoutError("x")
    except Timeout as exc:
        assert unreachable_reason(exc) == "timed out"
    assert unreachable_reason(Oversize("body over the size limit")) is None  # it answered
