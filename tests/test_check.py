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
